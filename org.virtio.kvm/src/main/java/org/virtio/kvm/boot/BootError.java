package org.virtio.kvm.boot;

/** What is wrong with a kernel image or a boot layout; each constant's text is the message. */
public enum BootError {
    /** The image ends before a structure it declares. */
    ELF_TRUNCATED("ELF image truncated"),
    /** The first four bytes are not 0x7f 'E' 'L' 'F'. */
    ELF_BAD_MAGIC("not an ELF image (bad magic)"),
    /** EI_CLASS is not ELFCLASS64. */
    ELF_NOT_64BIT("not a 64-bit ELF image (EI_CLASS)"),
    /** EI_DATA is not ELFDATA2LSB. */
    ELF_NOT_LITTLE_ENDIAN("not a little-endian ELF image (EI_DATA)"),
    /** EI_VERSION or e_version is not EV_CURRENT. */
    ELF_BAD_VERSION("unsupported ELF version"),
    /** e_type is not ET_EXEC. */
    ELF_NOT_EXECUTABLE("ELF image is not an executable (e_type)"),
    /** e_machine is not EM_X86_64. */
    ELF_WRONG_MACHINE("ELF image is not for x86-64 (e_machine)"),
    /** e_phoff, e_phentsize or e_phnum is inconsistent or out of the file. */
    ELF_BAD_PROGRAM_HEADERS("bad ELF program header table"),
    /** A segment's file bytes lie outside the image. */
    ELF_SEGMENT_OUTSIDE_FILE("ELF segment outside the image"),
    /** A PT_LOAD segment's p_filesz exceeds its p_memsz. */
    ELF_SEGMENT_SIZE("ELF segment p_filesz > p_memsz"),
    /** A PT_LOAD segment does not fit in guest RAM. */
    ELF_SEGMENT_OUTSIDE_RAM("ELF segment outside guest RAM"),
    /** An offset or address plus a size overflows. */
    ELF_OVERFLOW("ELF offset or address overflows"),
    /** No PT_LOAD segment. */
    ELF_NO_LOAD_SEGMENT("ELF image has no PT_LOAD segment"),
    /** No XEN_ELFNOTE_PHYS32_ENTRY note with owner "Xen" in a PT_NOTE segment. */
    PVH_NOTE_MISSING("no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)"),
    /** A note header or the PVH entry note is malformed. */
    PVH_NOTE_MALFORMED("malformed ELF note"),
    /** The kernel command line is too long or contains a NUL. */
    BAD_COMMAND_LINE("bad kernel command line"),
    /** The initrd does not fit in guest RAM below 4 GiB clear of the kernel. */
    INITRD_DOES_NOT_FIT("initrd does not fit in guest RAM"),
    /** A boot structure would land outside guest RAM or on top of another. */
    BAD_LAYOUT("boot structures do not fit in guest RAM"),
    /** The bzImage setup header is missing or inconsistent. */
    BZIMAGE_BAD_HEADER("bad bzImage setup header");

    private final String message;

    BootError(String message) {
        this.message = message;
    }

    /** @return the human-readable message */
    public String message() {
        return message;
    }
}
