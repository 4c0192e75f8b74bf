package org.virtio.vmm.machine;

import org.virtio.kvm.api.MmioHandler;
import org.virtio.transport.mmio.api.MmioDeviceWindow;
import org.virtio.transport.mmio.api.MmioRegisters;

/**
 * A spare virtio-mmio window with no device: MagicValue and Version read as a version 2 window and
 * DeviceID reads 0, which VirtIO 1.3 §4.2.2 defines as a placeholder the driver must ignore (Linux's
 * virtio_mmio probe returns -ENODEV). Every other register reads 0; writes are dropped.
 */
final class EmptyWindow implements MmioHandler {
    private final MmioDeviceWindow window;

    EmptyWindow(MmioDeviceWindow window) {
        this.window = window;
    }

    @Override
    public long read(long address, int length) {
        if (length != 4 || !window.contains(address)) {
            return 0;
        }
        return switch ((int) (address - window.base())) {
            case MmioRegisters.MAGIC_VALUE -> MmioRegisters.MAGIC;
            case MmioRegisters.VERSION -> MmioRegisters.MMIO_VERSION;
            default -> 0; // DeviceID 0: no device here
        };
    }

    @Override
    public void write(long address, int length, long value) {
        // nothing behind the window
    }

    @Override
    public String toString() {
        return "empty virtio-mmio window " + window.kernelCommandLine();
    }
}
