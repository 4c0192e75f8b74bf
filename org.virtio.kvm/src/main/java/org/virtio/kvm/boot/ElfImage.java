package org.virtio.kvm.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A validated ELF64 x86-64 executable (System V gABI, ELF-64 object file format): its PT_LOAD
 * segments and its notes. Parsing checks everything before anything is trusted — magic, class, data
 * encoding, version, type, machine, the program header table's offset, entry size and count, each
 * segment's file range, {@code p_filesz <= p_memsz}, and every sum for overflow — and names the first
 * problem in a {@link BootException}. The image is untrusted input; it is never read out of bounds.
 */
public final class ElfImage {
    /** ELFCLASS64. */
    static final int ELFCLASS64 = 2;
    /** ELFDATA2LSB. */
    static final int ELFDATA2LSB = 1;
    /** EV_CURRENT. */
    static final int EV_CURRENT = 1;
    /** ET_EXEC. */
    static final int ET_EXEC = 2;
    /** EM_X86_64. */
    static final int EM_X86_64 = 62;
    /** PT_LOAD. */
    public static final int PT_LOAD = 1;
    /** PT_NOTE. */
    public static final int PT_NOTE = 4;
    /** Size of the ELF64 file header. */
    static final int EHDR_SIZE = 64;
    /** Size of an ELF64 program header. */
    static final int PHDR_SIZE = 56;
    /** PN_XNUM: the real count would be in section 0, which a boot loader does not follow. */
    static final int PN_XNUM = 0xffff;
    private static final int NOTE_HEADER = 12;

    /**
     * A program header.
     *
     * @param type     p_type
     * @param offset   p_offset: where the file bytes start in the image
     * @param paddr    p_paddr: the guest-physical load address
     * @param fileSize p_filesz
     * @param memSize  p_memsz (the rest past fileSize is zero-filled)
     */
    public record Segment(int type, long offset, long paddr, long fileSize, long memSize) {
        /** @return the first guest-physical address after the segment */
        public long end() {
            return paddr + memSize;
        }
    }

    /**
     * A note from a PT_NOTE segment.
     *
     * @param owner the name without its terminating NUL
     * @param type  n_type
     * @param desc  the descriptor bytes
     */
    public record Note(String owner, int type, byte[] desc) {
    }

    private final byte[] image;
    private final long entry;
    private final List<Segment> segments;

    private ElfImage(byte[] image, long entry, List<Segment> segments) {
        this.image = image;
        this.entry = entry;
        this.segments = List.copyOf(segments);
    }

    /**
     * @param image the ELF file's bytes (kept, not copied: do not modify)
     * @return the validated image
     * @throws BootException naming the first malformed field
     */
    public static ElfImage parse(byte[] image) throws BootException {
        if (image.length < EHDR_SIZE) {
            throw new BootException(BootError.ELF_TRUNCATED, "file header needs 64 bytes, image has " + image.length);
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (image[0] != 0x7f || image[1] != 'E' || image[2] != 'L' || image[3] != 'F') {
            throw new BootException(BootError.ELF_BAD_MAGIC, String.format("%02x %02x %02x %02x",
                    image[0], image[1], image[2], image[3]));
        }
        if (image[4] != ELFCLASS64) {
            throw new BootException(BootError.ELF_NOT_64BIT, "EI_CLASS " + image[4]);
        }
        if (image[5] != ELFDATA2LSB) {
            throw new BootException(BootError.ELF_NOT_LITTLE_ENDIAN, "EI_DATA " + image[5]);
        }
        if (image[6] != EV_CURRENT || b.getInt(20) != EV_CURRENT) {
            throw new BootException(BootError.ELF_BAD_VERSION, "EI_VERSION " + image[6] + ", e_version " + b.getInt(20));
        }
        int type = Short.toUnsignedInt(b.getShort(16));
        if (type != ET_EXEC) {
            throw new BootException(BootError.ELF_NOT_EXECUTABLE, "e_type " + type);
        }
        int machine = Short.toUnsignedInt(b.getShort(18));
        if (machine != EM_X86_64) {
            throw new BootException(BootError.ELF_WRONG_MACHINE, "e_machine " + machine);
        }
        long phoff = b.getLong(32);
        int phentsize = Short.toUnsignedInt(b.getShort(54));
        int phnum = Short.toUnsignedInt(b.getShort(56));
        if (phnum == 0 || phnum == PN_XNUM) {
            throw new BootException(BootError.ELF_BAD_PROGRAM_HEADERS, "e_phnum " + phnum);
        }
        if (phentsize != PHDR_SIZE) {
            throw new BootException(BootError.ELF_BAD_PROGRAM_HEADERS, "e_phentsize " + phentsize + ", expected " + PHDR_SIZE);
        }
        long tableSize = (long) phnum * PHDR_SIZE;
        if (phoff < 0 || phoff > image.length - tableSize) {
            throw new BootException(phoff < 0 ? BootError.ELF_OVERFLOW : BootError.ELF_TRUNCATED,
                    "program headers at e_phoff 0x" + Long.toHexString(phoff) + " (" + phnum + " x " + PHDR_SIZE
                            + " bytes) outside the " + image.length + "-byte image");
        }
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int at = (int) (phoff + (long) i * PHDR_SIZE);
            Segment s = new Segment(b.getInt(at), b.getLong(at + 8), b.getLong(at + 24), b.getLong(at + 32), b.getLong(at + 40));
            if (s.type() != PT_LOAD && s.type() != PT_NOTE) {
                continue;
            }
            if (s.offset() < 0 || s.fileSize() < 0 || s.offset() > Long.MAX_VALUE - s.fileSize()) {
                throw new BootException(BootError.ELF_OVERFLOW, "segment " + i + ": p_offset 0x" + Long.toHexString(s.offset())
                        + " + p_filesz 0x" + Long.toHexString(s.fileSize()));
            }
            if (s.offset() + s.fileSize() > image.length) {
                throw new BootException(BootError.ELF_SEGMENT_OUTSIDE_FILE, "segment " + i + ": bytes 0x"
                        + Long.toHexString(s.offset()) + "+0x" + Long.toHexString(s.fileSize()) + " past the "
                        + image.length + "-byte image");
            }
            if (s.type() == PT_LOAD) {
                if (Long.compareUnsigned(s.fileSize(), s.memSize()) > 0) {
                    throw new BootException(BootError.ELF_SEGMENT_SIZE, "segment " + i + ": p_filesz 0x"
                            + Long.toHexString(s.fileSize()) + " > p_memsz 0x" + Long.toHexString(s.memSize()));
                }
                if (s.paddr() < 0 || s.memSize() < 0 || s.paddr() > Long.MAX_VALUE - s.memSize()) {
                    throw new BootException(BootError.ELF_OVERFLOW, "segment " + i + ": p_paddr 0x"
                            + Long.toHexString(s.paddr()) + " + p_memsz 0x" + Long.toHexString(s.memSize()));
                }
            }
            segments.add(s);
        }
        if (segments.stream().noneMatch(s -> s.type() == PT_LOAD)) {
            throw new BootException(BootError.ELF_NO_LOAD_SEGMENT, phnum + " program headers");
        }
        return new ElfImage(image, b.getLong(24), segments);
    }

    /** @return e_entry (the 64-bit entry; PVH uses the note's 32-bit entry instead) */
    public long entry() {
        return entry;
    }

    /** @return the PT_LOAD segments, in program-header order */
    public List<Segment> loadSegments() {
        return segments.stream().filter(s -> s.type() == PT_LOAD).toList();
    }

    /**
     * @param segment a PT_LOAD segment of this image
     * @return a copy of its file bytes
     */
    public byte[] fileBytes(Segment segment) {
        byte[] out = new byte[(int) segment.fileSize()];
        System.arraycopy(image, (int) segment.offset(), out, 0, out.length);
        return out;
    }

    /**
     * @return every note of every PT_NOTE segment, in order
     * @throws BootException when a note header or its padded name or descriptor runs past its segment
     */
    public List<Note> notes() throws BootException {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        List<Note> notes = new ArrayList<>();
        for (Segment s : segments) {
            if (s.type() != PT_NOTE) {
                continue;
            }
            long at = s.offset();
            long end = s.offset() + s.fileSize();
            while (end - at >= NOTE_HEADER) {
                long nameSize = Integer.toUnsignedLong(b.getInt((int) at));
                long descSize = Integer.toUnsignedLong(b.getInt((int) at + 4));
                int type = b.getInt((int) at + 8);
                long name = at + NOTE_HEADER;
                long desc = name + align4(nameSize);
                long next = desc + align4(descSize);
                if (next > end) {
                    throw new BootException(BootError.PVH_NOTE_MALFORMED, "note at offset 0x" + Long.toHexString(at)
                            + " (n_namesz " + nameSize + ", n_descsz " + descSize + ") runs past its PT_NOTE segment");
                }
                int ownerLength = (int) nameSize;
                if (ownerLength > 0 && image[(int) (name + nameSize - 1)] == 0) {
                    ownerLength--;
                }
                String owner = new String(image, (int) name, ownerLength, java.nio.charset.StandardCharsets.ISO_8859_1);
                byte[] d = new byte[(int) descSize];
                System.arraycopy(image, (int) desc, d, 0, d.length);
                notes.add(new Note(owner, type, d));
                at = next;
            }
        }
        return notes;
    }

    /**
     * @param owner note owner, e.g. "Xen"
     * @param type  n_type
     * @return the descriptor of the first such note, read as a little-endian 32- or 64-bit value
     * @throws BootException when the notes are malformed or the descriptor is not 4 or 8 bytes
     */
    public OptionalLong noteValue(String owner, int type) throws BootException {
        for (Note n : notes()) {
            if (n.owner().equals(owner) && n.type() == type) {
                ByteBuffer d = ByteBuffer.wrap(n.desc()).order(ByteOrder.LITTLE_ENDIAN);
                return switch (n.desc().length) {
                    case 4 -> OptionalLong.of(Integer.toUnsignedLong(d.getInt(0)));
                    case 8 -> OptionalLong.of(d.getLong(0));
                    default -> throw new BootException(BootError.PVH_NOTE_MALFORMED, owner + " note type " + type
                            + " has a " + n.desc().length + "-byte descriptor, expected 4 or 8");
                };
            }
        }
        return OptionalLong.empty();
    }

    private static long align4(long v) {
        return (v + 3) & ~3L;
    }
}
