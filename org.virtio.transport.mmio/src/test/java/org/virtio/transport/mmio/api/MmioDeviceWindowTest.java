package org.virtio.transport.mmio.api;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The kernel command-line form of a window, as Linux's virtio_mmio.device= parser reads it. */
class MmioDeviceWindowTest {

    @Test
    void standardWindowIs512Bytes() {
        MmioDeviceWindow w = MmioDeviceWindow.of(0xd000_0000L, 5);
        assertEquals(0x200, w.size());
        assertEquals("virtio_mmio.device=512@0xd0000000:5", w.kernelCommandLine());
    }

    @Test
    void sizesUseTheLargestExactSuffix() {
        assertEquals("virtio_mmio.device=4K@0xd0000000:5", new MmioDeviceWindow(0xd000_0000L, 4096, 5).kernelCommandLine());
        assertEquals("virtio_mmio.device=1M@0xfeb00000:12", new MmioDeviceWindow(0xfeb0_0000L, 1 << 20, 12).kernelCommandLine());
        assertEquals("virtio_mmio.device=2G@0x100000000:0", new MmioDeviceWindow(1L << 32, 2L << 30, 0).kernelCommandLine());
        assertEquals("virtio_mmio.device=1000@0x1000:3", new MmioDeviceWindow(0x1000, 1000, 3).kernelCommandLine());
        assertEquals("1536", MmioDeviceWindow.memparseSize(1536));
    }

    @Test
    void containsCoversExactlyTheWindow() {
        MmioDeviceWindow w = MmioDeviceWindow.of(0x1000, 5);
        assertFalse(w.contains(0xfff));
        assertTrue(w.contains(0x1000));
        assertTrue(w.contains(0x11ff));
        assertFalse(w.contains(0x1200));
    }

    @Test
    void invalidWindowsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> MmioDeviceWindow.of(0x1002, 5));
        assertThrows(IllegalArgumentException.class, () -> MmioDeviceWindow.of(-4096, 5));
        assertThrows(IllegalArgumentException.class, () -> new MmioDeviceWindow(0x1000, 0x80, 5));
        assertThrows(IllegalArgumentException.class, () -> new MmioDeviceWindow(Long.MAX_VALUE - 0xff & ~3L, 0x200, 5));
        assertThrows(IllegalArgumentException.class, () -> MmioDeviceWindow.of(0x1000, -1));
    }
}
