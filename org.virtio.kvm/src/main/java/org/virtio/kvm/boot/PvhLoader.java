package org.virtio.kvm.boot;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

import org.virtio.core.memory.Access;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.memory.GuestMemoryException;

/**
 * Loads a kernel through the Xen PVH boot ABI (xen/include/public/arch-x86/hvm/start_info.h, Linux's
 * {@code include/xen/interface/hvm/start_info.h}): the PT_LOAD segments of an ELF64 image go to their
 * {@code p_paddr}, the 32-bit entry comes from the {@code XEN_ELFNOTE_PHYS32_ENTRY} note (type 18, owner
 * "Xen"), and an {@code hvm_start_info} (version 1) at {@link #START_INFO_ADDRESS} points at the command
 * line, the optional initrd module, the RSDP and the memory map. The vCPU then starts in 32-bit protected
 * mode with paging off and ebx = start_info: see {@link PvhEntry}.
 *
 * <p>Everything is checked before anything is written: the image ({@link ElfImage}), that every segment
 * lies in guest RAM and clear of the boot structures below {@link #BOOT_AREA_END}, the command line, and
 * where the initrd fits.
 */
public final class PvhLoader {
    /** hvm_start_info.magic ("xEn3" with the high bit of each byte flipped). */
    public static final int START_INFO_MAGIC = 0x336ec578;
    /** The hvm_start_info version written (1: with the memory map). */
    public static final int START_INFO_VERSION = 1;
    /** XEN_ELFNOTE_PHYS32_ENTRY. */
    public static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    /** The owner of the Xen ELF notes. */
    public static final String XEN_NOTE_OWNER = "Xen";

    /** Where hvm_start_info goes (56 bytes). */
    public static final long START_INFO_ADDRESS = 0x6000;
    /** Where the module list goes (one 32-byte hvm_modlist_entry for the initrd). */
    public static final long MODLIST_ADDRESS = 0x6040;
    /** Where the memory map goes (24-byte hvm_memmap_table_entry each). */
    public static final long MEMMAP_ADDRESS = 0x7000;
    /** Where the NUL-terminated command line goes. */
    public static final long CMDLINE_ADDRESS = 0x20000;
    /** The longest command line accepted, without its NUL (Linux's COMMAND_LINE_SIZE on x86). */
    public static final int CMDLINE_MAX = 2047;
    /** The most memory-map entries written (they must fit below {@link #CMDLINE_ADDRESS}'s page). */
    public static final int MEMMAP_MAX = E820Map.MAX_ZERO_PAGE_ENTRIES;
    /** Kernel segments must not reach below this: the GDT, start_info, memory map and command line live there. */
    public static final long BOOT_AREA_END = CMDLINE_ADDRESS + CMDLINE_MAX + 1;

    static final int START_INFO_SIZE = 56;
    static final int MODLIST_ENTRY_SIZE = 32;
    static final int MEMMAP_ENTRY_SIZE = 24;
    private static final long FOUR_GIB = 1L << 32;
    private static final long PAGE = 4096;
    private static final MemorySegment ZEROES = MemorySegment.ofArray(new byte[(int) PAGE]);

    /**
     * What the guest is told besides the kernel.
     *
     * @param commandLine the kernel command line (ASCII, no NUL)
     * @param initrd      the initrd image, or an empty array for none
     * @param rsdpAddress the ACPI RSDP's guest address, or 0 for none
     * @param memoryMap   the memory map
     */
    public record Config(String commandLine, byte[] initrd, long rsdpAddress, E820Map memoryMap) {
        /** Checks for nulls. */
        public Config {
            Objects.requireNonNull(commandLine);
            Objects.requireNonNull(initrd);
            Objects.requireNonNull(memoryMap);
        }
    }

    /**
     * Where things went.
     *
     * @param entry            the 32-bit PVH entry point (eip)
     * @param startInfoAddress the hvm_start_info address (ebx)
     * @param kernelStart      the lowest address of a loaded segment
     * @param kernelEnd        the first address after the highest loaded segment
     * @param initrdAddress    where the initrd went, or 0 for none
     */
    public record Boot(long entry, long startInfoAddress, long kernelStart, long kernelEnd, long initrdAddress) {
    }

    private PvhLoader() {
    }

    /**
     * @param memory guest RAM (starting at 0, covering the boot area)
     * @param image  the ELF64 kernel
     * @param config command line, initrd, RSDP and memory map
     * @return the entry and start_info address, for {@link PvhEntry#enter}
     * @throws BootException when the image is malformed, lacks the PVH note, or anything does not fit
     */
    public static Boot load(GuestMemory memory, byte[] image, Config config) throws BootException {
        ElfImage elf = ElfImage.parse(image);
        OptionalLong note = elf.noteValue(XEN_NOTE_OWNER, XEN_ELFNOTE_PHYS32_ENTRY);
        if (note.isEmpty()) {
            throw new BootException(BootError.PVH_NOTE_MISSING, "no note of owner \"Xen\" and type 18 in any PT_NOTE segment");
        }
        long entry = note.getAsLong();
        if (entry < 0 || entry >= FOUR_GIB) {
            throw new BootException(BootError.PVH_NOTE_MALFORMED, "PVH entry 0x" + Long.toHexString(entry) + " is not a 32-bit address");
        }
        List<ElfImage.Segment> loads = elf.loadSegments();
        long kernelStart = Long.MAX_VALUE;
        long kernelEnd = 0;
        boolean entryInside = false;
        for (ElfImage.Segment s : loads) {
            if (s.memSize() == 0) {
                continue;
            }
            if (!memory.check(s.paddr(), s.memSize(), Access.WRITE)) {
                throw new BootException(BootError.ELF_SEGMENT_OUTSIDE_RAM, "PT_LOAD at p_paddr 0x" + Long.toHexString(s.paddr())
                        + " size 0x" + Long.toHexString(s.memSize()));
            }
            if (!config.memoryMap().isRam(s.paddr(), s.memSize())) {
                throw new BootException(BootError.ELF_SEGMENT_OUTSIDE_RAM, "PT_LOAD at p_paddr 0x" + Long.toHexString(s.paddr())
                        + " size 0x" + Long.toHexString(s.memSize()) + " is not RAM in the memory map");
            }
            if (s.paddr() < BOOT_AREA_END) {
                throw new BootException(BootError.BAD_LAYOUT, "PT_LOAD at p_paddr 0x" + Long.toHexString(s.paddr())
                        + " overlaps the boot structures below 0x" + Long.toHexString(BOOT_AREA_END));
            }
            kernelStart = Math.min(kernelStart, s.paddr());
            kernelEnd = Math.max(kernelEnd, s.end());
            entryInside |= entry >= s.paddr() && entry < s.end();
        }
        if (kernelEnd == 0) {
            throw new BootException(BootError.ELF_NO_LOAD_SEGMENT, "every PT_LOAD segment is empty");
        }
        if (!entryInside) {
            throw new BootException(BootError.PVH_NOTE_MALFORMED, "PVH entry 0x" + Long.toHexString(entry)
                    + " is not inside any PT_LOAD segment");
        }
        byte[] cmdline = commandLine(config.commandLine());
        List<E820Map.Entry> map = config.memoryMap().entries();
        if (map.size() > MEMMAP_MAX) {
            throw new BootException(BootError.BAD_LAYOUT, map.size() + " memory-map entries, at most " + MEMMAP_MAX);
        }
        checkWritable(memory, START_INFO_ADDRESS, START_INFO_SIZE + MODLIST_ENTRY_SIZE + 8, "hvm_start_info");
        checkWritable(memory, MEMMAP_ADDRESS, (long) map.size() * MEMMAP_ENTRY_SIZE, "memory map");
        checkWritable(memory, CMDLINE_ADDRESS, cmdline.length, "command line");
        long initrdAddress = 0;
        if (config.initrd().length > 0) {
            initrdAddress = config.memoryMap().highestRam(config.initrd().length, PAGE, FOUR_GIB);
            if (initrdAddress < 0 || initrdAddress < kernelEnd && kernelStart < initrdAddress + config.initrd().length
                    || initrdAddress < BOOT_AREA_END || !memory.check(initrdAddress, config.initrd().length, Access.WRITE)) {
                throw new BootException(BootError.INITRD_DOES_NOT_FIT, config.initrd().length + " bytes, kernel at 0x"
                        + Long.toHexString(kernelStart) + "-0x" + Long.toHexString(kernelEnd));
            }
        }

        try {
            for (ElfImage.Segment s : loads) {
                if (s.fileSize() > 0) {
                    memory.write(s.paddr(), MemorySegment.ofArray(image), s.offset(), s.fileSize());
                }
                zero(memory, s.paddr() + s.fileSize(), s.memSize() - s.fileSize());
            }
            memory.write(CMDLINE_ADDRESS, MemorySegment.ofArray(cmdline), 0, cmdline.length);
            for (int i = 0; i < map.size(); i++) {
                E820Map.Entry e = map.get(i);
                long at = MEMMAP_ADDRESS + (long) i * MEMMAP_ENTRY_SIZE;
                memory.writeLong(at, e.address());
                memory.writeLong(at + 8, e.size());
                memory.writeInt(at + 16, e.type());
                memory.writeInt(at + 20, 0);
            }
            zero(memory, START_INFO_ADDRESS, START_INFO_SIZE);
            memory.writeInt(START_INFO_ADDRESS, START_INFO_MAGIC);
            memory.writeInt(START_INFO_ADDRESS + 4, START_INFO_VERSION);
            memory.writeInt(START_INFO_ADDRESS + 8, 0); // flags
            if (initrdAddress != 0) {
                memory.write(initrdAddress, MemorySegment.ofArray(config.initrd()), 0, config.initrd().length);
                zero(memory, MODLIST_ADDRESS, MODLIST_ENTRY_SIZE);
                memory.writeLong(MODLIST_ADDRESS, initrdAddress);
                memory.writeLong(MODLIST_ADDRESS + 8, config.initrd().length);
                memory.writeInt(START_INFO_ADDRESS + 12, 1); // nr_modules
                memory.writeLong(START_INFO_ADDRESS + 16, MODLIST_ADDRESS);
            }
            memory.writeLong(START_INFO_ADDRESS + 24, CMDLINE_ADDRESS);
            memory.writeLong(START_INFO_ADDRESS + 32, config.rsdpAddress());
            memory.writeLong(START_INFO_ADDRESS + 40, MEMMAP_ADDRESS);
            memory.writeInt(START_INFO_ADDRESS + 48, map.size());
        } catch (GuestMemoryException e) {
            throw new BootException(BootError.BAD_LAYOUT, "writing guest memory", e);
        }
        return new Boot(entry, START_INFO_ADDRESS, kernelStart, kernelEnd, initrdAddress);
    }

    static byte[] commandLine(String commandLine) throws BootException {
        if (commandLine.length() > CMDLINE_MAX) {
            throw new BootException(BootError.BAD_COMMAND_LINE, commandLine.length() + " characters, at most " + CMDLINE_MAX);
        }
        byte[] bytes = new byte[commandLine.length() + 1];
        for (int i = 0; i < commandLine.length(); i++) {
            char c = commandLine.charAt(i);
            if (c == 0 || c > 0x7f) {
                throw new BootException(BootError.BAD_COMMAND_LINE, "character " + (int) c + " at index " + i
                        + " (ASCII without NUL only)");
            }
            bytes[i] = (byte) c;
        }
        return bytes;
    }

    private static void checkWritable(GuestMemory memory, long address, long length, String what) throws BootException {
        if (!memory.check(address, Math.max(length, 1), Access.WRITE)) {
            throw new BootException(BootError.BAD_LAYOUT, what + " at 0x" + Long.toHexString(address) + " is not in guest RAM");
        }
    }

    static void zero(GuestMemory memory, long address, long length) throws GuestMemoryException {
        for (long done = 0; done < length; done += PAGE) {
            long n = Math.min(PAGE, length - done);
            memory.write(address + done, ZEROES, 0, n);
        }
    }
}
