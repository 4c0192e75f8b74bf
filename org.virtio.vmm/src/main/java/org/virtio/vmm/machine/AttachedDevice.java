package org.virtio.vmm.machine;

import java.util.List;

import org.virtio.core.device.VirtioDevice;
import org.virtio.transport.mmio.api.MmioDeviceWindow;

/**
 * A device in one of the machine's virtio-mmio windows, at the time {@link Machine#devices()} was called.
 *
 * @param name              the name it was attached under
 * @param window            its window (base, size, GSI)
 * @param device            the implementation now serving it
 * @param driverStatus      the device status byte (§2.1)
 * @param needsResetReason  why the device set DEVICE_NEEDS_RESET, or null
 * @param queues            its queues and counters
 * @param swaps             how often {@link Machine#swapDevice} replaced its implementation
 */
public record AttachedDevice(String name, MmioDeviceWindow window, VirtioDevice device, int driverStatus,
        String needsResetReason, List<QueueCounters> queues, long swaps) {

    /** Compact form: a copy of the queue list. */
    public AttachedDevice {
        queues = List.copyOf(queues);
    }

    /** @return the VirtIO device id (§5) */
    public int deviceType() {
        return device.deviceType();
    }
}
