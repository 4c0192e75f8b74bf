package org.virtio.kvm.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;

/** PVH loading of hand-built ELF images: memory contents, hvm_start_info, and every malformed input. */
class PvhLoaderTest {
    private static final long RAM = 16L << 20;
    private static final long KERNEL = 0x100000;
    private static final byte[] CODE = {(byte) 0x90, (byte) 0x90, (byte) 0xf4, 0x11, 0x22, 0x33};

    private GuestRam ram;
    private E820Map map;

    @BeforeEach
    void ram() {
        ram = GuestRam.builder().anonymous(GuestAddress.of(0), RAM).build();
        map = E820Map.standard(ram);
    }

    @AfterEach
    void close() {
        ram.close();
    }

    private PvhLoader.Config config(String cmdline, byte[] initrd) {
        return new PvhLoader.Config(cmdline, initrd, AcpiTables.DEFAULT_RSDP_ADDRESS, map);
    }

    private static byte[] goodImage() {
        return new ElfBuilder().pvhEntry(KERNEL).load(KERNEL, CODE, 0x3000).build();
    }

    @Test
    void loadsSegmentsZeroesBssAndWritesStartInfo() throws Exception {
        for (long a = KERNEL; a < KERNEL + 0x3000; a += 8) {
            ram.writeLong(a, -1L);
        }
        byte[] initrd = new byte[5000];
        Arrays.fill(initrd, (byte) 0x5a);
        PvhLoader.Boot boot = PvhLoader.load(ram, goodImage(), config("console=ttyS0 reboot=k", initrd));
        assertEquals(KERNEL, boot.entry());
        assertEquals(PvhLoader.START_INFO_ADDRESS, boot.startInfoAddress());
        assertEquals(KERNEL + 0x3000, boot.kernelEnd());
        for (int i = 0; i < CODE.length; i++) {
            assertEquals(CODE[i], ram.readByte(KERNEL + i));
        }
        for (long a = KERNEL + CODE.length; a < KERNEL + 0x3000; a++) {
            assertEquals(0, ram.readByte(a), "bss at 0x" + Long.toHexString(a));
        }

        long si = boot.startInfoAddress();
        assertEquals(0x336ec578, ram.readInt(si), "magic");
        assertEquals(1, ram.readInt(si + 4), "version");
        assertEquals(1, ram.readInt(si + 12), "nr_modules");
        long modlist = ram.readLong(si + 16);
        long initrdAt = ram.readLong(modlist);
        assertEquals(boot.initrdAddress(), initrdAt);
        assertEquals(5000, ram.readLong(modlist + 8));
        assertEquals(0, initrdAt % 4096);
        assertTrue(initrdAt + 5000 <= RAM && initrdAt >= boot.kernelEnd());
        assertEquals(0x5a, ram.readByte(initrdAt + 4999));

        long cmd = ram.readLong(si + 24);
        byte[] line = new byte[23];
        for (int i = 0; i < line.length; i++) {
            line[i] = ram.readByte(cmd + i);
        }
        assertEquals("console=ttyS0 reboot=k\0", new String(line, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(AcpiTables.DEFAULT_RSDP_ADDRESS, ram.readLong(si + 32), "rsdp_paddr");
        long memmap = ram.readLong(si + 40);
        assertEquals(3, ram.readInt(si + 48), "memmap_entries");
        for (int i = 0; i < 3; i++) {
            E820Map.Entry e = map.entries().get(i);
            assertEquals(e.address(), ram.readLong(memmap + 24L * i));
            assertEquals(e.size(), ram.readLong(memmap + 24L * i + 8));
            assertEquals(e.type(), ram.readInt(memmap + 24L * i + 16));
        }
    }

    @Test
    void withoutInitrdThereAreNoModules() throws Exception {
        PvhLoader.load(ram, goodImage(), config("", new byte[0]));
        assertEquals(0, ram.readInt(PvhLoader.START_INFO_ADDRESS + 12));
        assertEquals(0, ram.readLong(PvhLoader.START_INFO_ADDRESS + 16));
    }

    @Test
    void a64BitNoteDescriptorIsAcceptedToo() throws Exception {
        byte[] desc = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(KERNEL + 2).array();
        byte[] image = new ElfBuilder().note("Linux", 1, new byte[3]).note("Xen", 18, desc).load(KERNEL, CODE, CODE.length).build();
        assertEquals(KERNEL + 2, PvhLoader.load(ram, image, config("", new byte[0])).entry());
    }

    private void assertRefused(BootError error, byte[] image) {
        assertRefused(error, image, error.name());
    }

    private void assertRefused(BootError error, byte[] image, String why) {
        BootException e = assertThrows(BootException.class, () -> PvhLoader.load(ram, image, config("", new byte[0])));
        assertEquals(error, e.error(), why + ": " + e.getMessage());
    }

    private static byte[] corrupt(byte[] image, Consumer<ByteBuffer> change) {
        byte[] copy = image.clone();
        change.accept(ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN));
        return copy;
    }

    @Test
    void malformedHeadersAreRefusedWithTheirReason() {
        byte[] good = goodImage();
        assertRefused(BootError.ELF_TRUNCATED, Arrays.copyOf(good, 63));
        assertRefused(BootError.ELF_TRUNCATED, Arrays.copyOf(good, 64 + 56));
        assertRefused(BootError.ELF_BAD_MAGIC, corrupt(good, b -> b.put(1, (byte) 'X')));
        assertRefused(BootError.ELF_NOT_64BIT, corrupt(good, b -> b.put(4, (byte) 1)));
        assertRefused(BootError.ELF_NOT_LITTLE_ENDIAN, corrupt(good, b -> b.put(5, (byte) 2)));
        assertRefused(BootError.ELF_BAD_VERSION, corrupt(good, b -> b.putInt(20, 2)));
        assertRefused(BootError.ELF_NOT_EXECUTABLE, corrupt(good, b -> b.putShort(16, (short) 3)));
        assertRefused(BootError.ELF_WRONG_MACHINE, corrupt(good, b -> b.putShort(18, (short) 3)));
        assertRefused(BootError.ELF_BAD_PROGRAM_HEADERS, corrupt(good, b -> b.putShort(54, (short) 32)));
        assertRefused(BootError.ELF_BAD_PROGRAM_HEADERS, corrupt(good, b -> b.putShort(56, (short) 0)));
        assertRefused(BootError.ELF_BAD_PROGRAM_HEADERS, corrupt(good, b -> b.putShort(56, (short) 0xffff)));
        assertRefused(BootError.ELF_TRUNCATED, corrupt(good, b -> b.putShort(56, (short) 300)));
        assertRefused(BootError.ELF_OVERFLOW, corrupt(good, b -> b.putLong(32, Long.MIN_VALUE)));
        assertRefused(BootError.ELF_TRUNCATED, corrupt(good, b -> b.putLong(32, -1L >>> 1)));
    }

    @Test
    void malformedSegmentsAreRefusedWithTheirReason() {
        byte[] good = goodImage(); // program header 0: PT_NOTE, 1: PT_LOAD
        int load = 1;
        assertRefused(BootError.ELF_SEGMENT_OUTSIDE_FILE,
                corrupt(good, b -> b.putLong(ElfBuilder.phdrField(load, 32), good.length)));
        assertRefused(BootError.ELF_OVERFLOW,
                corrupt(good, b -> b.putLong(ElfBuilder.phdrField(load, 8), Long.MAX_VALUE - 2)));
        assertRefused(BootError.ELF_OVERFLOW, corrupt(good, b -> b.putLong(ElfBuilder.phdrField(load, 8), -8)));
        assertRefused(BootError.ELF_SEGMENT_SIZE, corrupt(good, b -> b.putLong(ElfBuilder.phdrField(load, 40), 2)));
        assertRefused(BootError.ELF_OVERFLOW,
                corrupt(good, b -> b.putLong(ElfBuilder.phdrField(load, 24), Long.MAX_VALUE - 0x100)));
        assertRefused(BootError.ELF_SEGMENT_OUTSIDE_RAM, corrupt(good, b -> b.putLong(ElfBuilder.phdrField(load, 24), RAM - 4)));
        assertRefused(BootError.ELF_SEGMENT_OUTSIDE_RAM, corrupt(good, b -> b.putLong(ElfBuilder.phdrField(load, 40), RAM)));
        assertRefused(BootError.BAD_LAYOUT, new ElfBuilder().pvhEntry(0x6000).load(0x6000, CODE, CODE.length).build());
        assertRefused(BootError.ELF_SEGMENT_OUTSIDE_RAM,
                new ElfBuilder().pvhEntry(0xe0000).load(0xe0000, CODE, CODE.length).build(), "reserved BIOS area");
        assertRefused(BootError.ELF_NO_LOAD_SEGMENT, corrupt(good, b -> b.putInt(ElfBuilder.phdrField(load, 0), 6)));
        assertRefused(BootError.ELF_SEGMENT_OUTSIDE_FILE,
                corrupt(good, b -> b.putLong(ElfBuilder.phdrField(0, 32), good.length)));
    }

    @Test
    void pvhNoteProblemsAreRefusedWithTheirReason() {
        assertRefused(BootError.PVH_NOTE_MISSING, new ElfBuilder().load(KERNEL, CODE, CODE.length).build());
        assertRefused(BootError.PVH_NOTE_MISSING,
                new ElfBuilder().note("Xen", 17, new byte[4]).load(KERNEL, CODE, CODE.length).build());
        assertRefused(BootError.PVH_NOTE_MISSING,
                new ElfBuilder().note("Xenx", 18, new byte[4]).load(KERNEL, CODE, CODE.length).build());
        assertRefused(BootError.PVH_NOTE_MALFORMED,
                new ElfBuilder().note("Xen", 18, new byte[2]).load(KERNEL, CODE, CODE.length).build());
        assertRefused(BootError.PVH_NOTE_MALFORMED, new ElfBuilder().pvhEntry(KERNEL + 0x100).load(KERNEL, CODE, CODE.length).build());
        byte[] good = goodImage();
        // n_descsz huge: the note runs past its segment
        assertRefused(BootError.PVH_NOTE_MALFORMED, corrupt(good, b -> b.putInt(64 + 56 * 2 + 4, 0xffff_fff0)));
        assertRefused(BootError.PVH_NOTE_MALFORMED, corrupt(good, b -> b.putInt(64 + 56 * 2, 0x7fff_ffff)));
    }

    @Test
    void badCommandLinesAndInitrdsAreRefused() {
        byte[] good = goodImage();
        assertEquals(BootError.BAD_COMMAND_LINE, assertThrows(BootException.class,
                () -> PvhLoader.load(ram, good, config("a\0b", new byte[0]))).error());
        assertEquals(BootError.BAD_COMMAND_LINE, assertThrows(BootException.class,
                () -> PvhLoader.load(ram, good, config("x".repeat(2048), new byte[0]))).error());
        assertEquals(BootError.INITRD_DOES_NOT_FIT, assertThrows(BootException.class,
                () -> PvhLoader.load(ram, good, config("", new byte[(int) RAM]))).error());
    }

    @Test
    void entryRegistersFollowThePvhAbi() {
        PvhLoader.Boot boot = new PvhLoader.Boot(KERNEL, PvhLoader.START_INFO_ADDRESS, KERNEL, KERNEL + 0x1000, 0);
        org.virtio.kvm.api.Registers r = PvhEntry.registers(boot);
        assertEquals(KERNEL, r.rip());
        assertEquals(PvhLoader.START_INFO_ADDRESS, r.rbx());
        assertEquals(2, r.rflags());
        org.virtio.kvm.api.SpecialRegisters.Segment none = new org.virtio.kvm.api.SpecialRegisters.Segment(0, 0xffff, 0,
                3, true, 0, false, true, false, false, false, false);
        org.virtio.kvm.api.SpecialRegisters.Table t = new org.virtio.kvm.api.SpecialRegisters.Table(0, 0xffff);
        org.virtio.kvm.api.SpecialRegisters s = PvhEntry.specialRegisters(new org.virtio.kvm.api.SpecialRegisters(none,
                none, none, none, none, none, none, none, t, t, 0x6000_0010L, 0, 0, 0, 0, 0, 0xfee0_0900L));
        assertEquals(0x11, s.cr0(), "PE | ET only: no paging, caches on");
        assertEquals(0, s.cr4());
        assertEquals(0, s.efer());
        assertTrue(s.cs().db() && !s.cs().l() && s.cs().g(), "flat 32-bit code");
        assertEquals(0xffff_ffff, s.cs().limit());
        assertEquals(PvhEntry.CODE_SELECTOR, s.cs().selector());
        assertEquals(PvhEntry.DATA_SELECTOR, s.ss().selector());
        assertTrue(s.ds().db() && s.ds().g());
        assertEquals(0xb, s.tr().type(), "busy 32-bit TSS");
        assertEquals(new org.virtio.kvm.api.SpecialRegisters.Table(PvhEntry.GDT_ADDRESS, 31), s.gdt());
        assertEquals(0xfee0_0900L, s.apicBase());
    }

    @Test
    void gdtDescriptorsMatchTheSegmentRegisters() throws Exception {
        PvhEntry.writeGdt(ram);
        assertEquals(0, ram.readLong(PvhEntry.GDT_ADDRESS));
        assertEquals(0x00cf_9b00_0000_ffffL, ram.readLong(PvhEntry.GDT_ADDRESS + PvhEntry.CODE_SELECTOR));
        assertEquals(0x00cf_9300_0000_ffffL, ram.readLong(PvhEntry.GDT_ADDRESS + PvhEntry.DATA_SELECTOR));
        assertArrayEquals(new byte[] {0x67, 0, 0, 0, 0, (byte) 0x8b, 0, 0},
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(ram.readLong(PvhEntry.GDT_ADDRESS + 0x18)).array());
    }
}
