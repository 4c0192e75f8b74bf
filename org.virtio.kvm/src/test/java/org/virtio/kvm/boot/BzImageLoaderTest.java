package org.virtio.kvm.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;

/** The Linux/x86 boot protocol on a synthetic bzImage: setup header checks, kernel placement, zero page. */
class BzImageLoaderTest {
    private static final long RAM = 32L << 20;
    private static final int SETUP_SECTS = 3;
    private static final int KERNEL_BYTES = 0x3000;

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

    /** A bzImage of protocol 2.15: setup sectors, then a protected-mode kernel whose byte i is (i * 7). */
    static byte[] bzImage() {
        int kernelOffset = (SETUP_SECTS + 1) * 512;
        ByteBuffer b = ByteBuffer.allocate(kernelOffset + KERNEL_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) SETUP_SECTS);
        b.putShort(0x1fe, (short) 0xaa55);
        b.put(0x200, (byte) 0xeb).put(0x201, (byte) (0x26c - 0x202)); // jmp over the header, which ends at 0x26c
        b.putInt(0x202, 0x53726448);
        b.putShort(0x206, (short) 0x020f);
        b.put(0x211, (byte) 0x01); // LOADED_HIGH
        b.putInt(0x22c, 0x37ff_ffff); // initrd_addr_max
        b.putInt(0x230, 0x20_0000); // kernel_alignment
        b.putShort(0x236, (short) 0x3); // XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G
        b.putInt(0x238, 2047); // cmdline_size
        b.putInt(0x260, 0x10_0000); // init_size: 1 MiB
        for (int i = 0; i < KERNEL_BYTES; i++) {
            b.put(kernelOffset + i, (byte) (i * 7));
        }
        return b.array();
    }

    private BzImageLoader.Config config(String cmdline, byte[] initrd) {
        return new BzImageLoader.Config(cmdline, initrd, AcpiTables.DEFAULT_RSDP_ADDRESS, map);
    }

    @Test
    void loadsTheKernelAtOneMibAndFillsTheZeroPage() throws Exception {
        byte[] initrd = new byte[10000];
        initrd[9999] = 0x42;
        BzImageLoader.Boot boot = BzImageLoader.load(ram, bzImage(), config("console=ttyS0 panic=1", initrd));
        assertEquals(0x100200, boot.entry(), "64-bit entry at +0x200");
        assertEquals(0x020f, boot.protocol());
        assertEquals(0x200000, boot.kernelEnd(), "init_size counts");
        for (int i = 0; i < KERNEL_BYTES; i += 97) {
            assertEquals((byte) (i * 7), ram.readByte(0x100000 + i), "kernel byte " + i);
        }
        long zp = boot.zeroPageAddress();
        assertEquals((short) 0xaa55, ram.readShort(zp + 0x1fe), "setup header copied");
        assertEquals(0x53726448, ram.readInt(zp + 0x202));
        assertEquals(SETUP_SECTS, ram.readByte(zp + 0x1f1));
        assertEquals((byte) 0xff, ram.readByte(zp + 0x210), "type_of_loader");
        assertEquals(BzImageLoader.CMDLINE_ADDRESS, ram.readInt(zp + 0x228), "cmd_line_ptr");
        assertEquals('c', ram.readByte(BzImageLoader.CMDLINE_ADDRESS));
        assertEquals(0, ram.readByte(BzImageLoader.CMDLINE_ADDRESS + 21), "NUL-terminated");
        long initrdAt = Integer.toUnsignedLong(ram.readInt(zp + 0x218)) | (long) ram.readInt(zp + 0xc0) << 32;
        assertEquals(boot.initrdAddress(), initrdAt);
        assertEquals(10000, ram.readInt(zp + 0x21c), "ramdisk_size");
        assertEquals(0x42, ram.readByte(initrdAt + 9999));
        assertTrue(initrdAt >= boot.kernelEnd() && initrdAt % 4096 == 0);
        assertEquals(AcpiTables.DEFAULT_RSDP_ADDRESS, ram.readLong(zp + 0x70), "acpi_rsdp_addr");
        assertEquals(3, ram.readByte(zp + 0x1e8), "e820_entries");
        for (int i = 0; i < 3; i++) {
            E820Map.Entry e = map.entries().get(i);
            assertEquals(e.address(), ram.readLong(zp + 0x2d0 + 20L * i));
            assertEquals(e.size(), ram.readLong(zp + 0x2d0 + 20L * i + 8));
            assertEquals(e.type(), ram.readInt(zp + 0x2d0 + 20L * i + 16));
        }
        assertEquals(BzImageLoader.ZERO_PAGE_ADDRESS, BzImageLoader.registers(boot).rsi());
        assertEquals(0x100200, BzImageLoader.registers(boot).rip());
    }

    private static byte[] corrupt(Consumer<ByteBuffer> change) {
        byte[] image = bzImage();
        change.accept(ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN));
        return image;
    }

    private void assertRefused(BootError error, byte[] image, String cmdline) {
        BootException e = assertThrows(BootException.class, () -> BzImageLoader.load(ram, image, config(cmdline, new byte[0])));
        assertEquals(error, e.error(), e.getMessage());
    }

    @Test
    void badHeadersAreRefusedWithTheirReason() {
        assertRefused(BootError.BZIMAGE_BAD_HEADER, new byte[0x100], "");
        assertRefused(BootError.BZIMAGE_BAD_HEADER, corrupt(b -> b.putShort(0x1fe, (short) 0)), "");
        assertRefused(BootError.BZIMAGE_BAD_HEADER, corrupt(b -> b.putInt(0x202, 0)), "");
        assertRefused(BootError.BZIMAGE_BAD_HEADER, corrupt(b -> b.putShort(0x206, (short) 0x0204)), "");
        assertRefused(BootError.BZIMAGE_BAD_HEADER, corrupt(b -> b.put(0x211, (byte) 0)), "");
        assertRefused(BootError.BZIMAGE_BAD_HEADER, corrupt(b -> b.putShort(0x236, (short) 0)), "");
        assertRefused(BootError.BZIMAGE_BAD_HEADER, corrupt(b -> b.put(0x201, (byte) 0x9f)), "");
        assertRefused(BootError.BZIMAGE_BAD_HEADER, corrupt(b -> b.put(0x201, (byte) 0x20)), ""); // header too short for init_size
        assertRefused(BootError.BZIMAGE_BAD_HEADER, corrupt(b -> b.put(0x1f1, (byte) 200)), "");
        assertRefused(BootError.BAD_LAYOUT, corrupt(b -> b.putInt(0x260, (int) RAM)), "");
        assertRefused(BootError.BAD_COMMAND_LINE, corrupt(b -> b.putInt(0x238, 4)), "console=ttyS0");
    }

    @Test
    void anInitrdThatDoesNotFitBelowInitrdAddrMaxIsRefused() {
        byte[] image = corrupt(b -> b.putShort(0x236, (short) 1).putInt(0x22c, 0x1f_ffff));
        BootException e = assertThrows(BootException.class,
                () -> BzImageLoader.load(ram, image, config("", new byte[4096])));
        assertEquals(BootError.INITRD_DOES_NOT_FIT, e.error(), e.getMessage());
    }
}
