package org.virtio.kvm.boot;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds small ELF64 x86-64 executables by hand for the loader tests; fields can be corrupted afterwards. */
final class ElfBuilder {
    record Load(long paddr, byte[] bytes, long memSize) {
    }

    private final List<Load> loads = new ArrayList<>();
    private final ByteArrayOutputStream notes = new ByteArrayOutputStream();

    ElfBuilder load(long paddr, byte[] bytes, long memSize) {
        loads.add(new Load(paddr, bytes, memSize));
        return this;
    }

    ElfBuilder note(String owner, int type, byte[] desc) {
        byte[] name = (owner + "\0").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(12 + pad(name.length) + pad(desc.length)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(name.length).putInt(desc.length).putInt(type);
        b.put(name).position(12 + pad(name.length));
        b.put(desc);
        notes.writeBytes(b.array());
        return this;
    }

    ElfBuilder pvhEntry(long entry) {
        return note("Xen", PvhLoader.XEN_ELFNOTE_PHYS32_ENTRY, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) entry).array());
    }

    /** Header at 0, program headers at 64, then the note bytes, then each segment's bytes. */
    byte[] build() {
        byte[] noteBytes = notes.toByteArray();
        int phnum = loads.size() + (noteBytes.length > 0 ? 1 : 0);
        int dataStart = 64 + 56 * phnum;
        int size = dataStart + noteBytes.length + loads.stream().mapToInt(l -> l.bytes().length).sum();
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) 2).putShort(18, (short) 62).putInt(20, 1);
        b.putLong(24, loads.isEmpty() ? 0 : loads.get(0).paddr());
        b.putLong(32, 64).putShort(52, (short) 64).putShort(54, (short) 56).putShort(56, (short) phnum);
        int ph = 64;
        int data = dataStart;
        if (noteBytes.length > 0) {
            phdr(b, ph, ElfImage.PT_NOTE, data, 0, noteBytes.length, noteBytes.length);
            b.put(data, noteBytes);
            ph += 56;
            data += noteBytes.length;
        }
        for (Load l : loads) {
            phdr(b, ph, ElfImage.PT_LOAD, data, l.paddr(), l.bytes().length, l.memSize());
            b.put(data, l.bytes());
            ph += 56;
            data += l.bytes().length;
        }
        return b.array();
    }

    private static void phdr(ByteBuffer b, int at, int type, long offset, long paddr, long filesz, long memsz) {
        b.putInt(at, type).putInt(at + 4, 5).putLong(at + 8, offset).putLong(at + 16, paddr).putLong(at + 24, paddr)
                .putLong(at + 32, filesz).putLong(at + 40, memsz).putLong(at + 48, 0x1000);
    }

    private static int pad(int n) {
        return (n + 3) & ~3;
    }

    /** Offset of program header {@code i}'s field at {@code field} (8 p_offset, 24 p_paddr, 32 p_filesz, 40 p_memsz). */
    static int phdrField(int i, int field) {
        return 64 + 56 * i + field;
    }
}
