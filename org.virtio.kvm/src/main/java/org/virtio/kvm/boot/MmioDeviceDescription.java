package org.virtio.kvm.boot;

/**
 * One virtio-mmio device window as the guest must learn it (VirtIO 1.3 §4.2): its register window and
 * its interrupt line, as the DSDT describes it ({@code LNRO0005}). The kernel command-line form is the
 * transport's ({@code MmioDeviceWindow.kernelCommandLine()} in org.virtio.transport.mmio).
 *
 * @param base first guest-physical address of the register window, below 4 GiB
 * @param size window size in bytes, positive, the window ending at or below 4 GiB
 * @param irq  the GSI (IO-APIC input) the device interrupts on
 */
public record MmioDeviceDescription(long base, long size, int irq) {
    private static final long FOUR_GIB = 1L << 32;

    /** Checks the window fits a 32-bit Memory32Fixed descriptor and the irq is not negative. */
    public MmioDeviceDescription {
        if (base < 0 || size <= 0 || size > FOUR_GIB || base > FOUR_GIB - size) {
            throw new IllegalArgumentException("virtio-mmio window must lie below 4 GiB: base 0x"
                    + Long.toHexString(base) + " size 0x" + Long.toHexString(size));
        }
        if (irq < 0) {
            throw new IllegalArgumentException("virtio-mmio irq must not be negative: " + irq);
        }
    }
}
