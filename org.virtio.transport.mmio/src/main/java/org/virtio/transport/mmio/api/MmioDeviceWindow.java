package org.virtio.transport.mmio.api;

/**
 * Where one virtio-mmio device sits in guest-physical memory and which interrupt it raises: what the
 * kernel command line ({@link #kernelCommandLine()}) and the ACPI DSDT (an {@code LNRO0005} device with a
 * memory and an interrupt resource, built by the machine bundle) need to describe it.
 *
 * @param base guest-physical address of the register window, page-aligned is conventional but only
 *             4-byte alignment is required
 * @param size bytes of the window, at least 0x100 (normally {@link MmioRegisters#WINDOW_SIZE})
 * @param irq  the interrupt line (a GSI on x86), 0 or more
 */
public record MmioDeviceWindow(long base, long size, int irq) {

    /**
     * @throws IllegalArgumentException when the base is not 4-byte aligned, the window is smaller than the
     *                                  registers or wraps around the address space, or irq is negative
     */
    public MmioDeviceWindow {
        if ((base & 3) != 0 || base < 0) {
            throw new IllegalArgumentException("window base must be a non-negative 4-byte aligned address: 0x" + Long.toHexString(base));
        }
        if (size < MmioRegisters.CONFIG || base + size < base) {
            throw new IllegalArgumentException("window size " + size + " at 0x" + Long.toHexString(base) + " is too small or wraps");
        }
        if (irq < 0) {
            throw new IllegalArgumentException("irq must be 0 or more: " + irq);
        }
    }

    /**
     * @param base guest-physical address
     * @param irq  interrupt line
     * @return a window of the standard size, {@link MmioRegisters#WINDOW_SIZE}
     */
    public static MmioDeviceWindow of(long base, int irq) {
        return new MmioDeviceWindow(base, MmioRegisters.WINDOW_SIZE, irq);
    }

    /** @param address a guest-physical address  @return whether it falls inside the window */
    public boolean contains(long address) {
        return address >= base && address - base < size;
    }

    /**
     * Linux's {@code virtio_mmio.device=<size>@<baseaddr>:<irq>} parameter (drivers/virtio/virtio_mmio.c;
     * the size in {@code memparse} form, with a K/M/G suffix when exact), to append to the boot
     * arguments, e.g. {@code virtio_mmio.device=4K@0xd0000000:5}.
     *
     * @return the parameter, without surrounding spaces
     */
    public String kernelCommandLine() {
        return "virtio_mmio.device=" + memparseSize(size) + "@0x" + Long.toHexString(base) + ":" + irq;
    }

    /** @param bytes a size  @return it as {@code memparse} reads it: 512, 4K, 1M, 2G */
    static String memparseSize(long bytes) {
        String[] suffixes = {"", "K", "M", "G"};
        int i = 0;
        long v = bytes;
        while (i < suffixes.length - 1 && v != 0 && (v & 1023) == 0) {
            v >>= 10;
            i++;
        }
        return v + suffixes[i];
    }
}
