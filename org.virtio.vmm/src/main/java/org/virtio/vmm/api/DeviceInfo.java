package org.virtio.vmm.api;

import java.util.List;

/**
 * One VirtIO device configured for a VM, as the manager sees it at the call.
 *
 * @param name           the device's name, unique within its VM
 * @param vm             the VM's name
 * @param type           the device type name, the factory's {@code virtio.device.type} ("blk", "rng", ...)
 * @param deviceId       the VirtIO device id (§5), 0 while no instance exists
 * @param status         where the device is
 * @param windowBase     guest-physical base of its virtio-mmio window, -1 when not attached
 * @param irq            its interrupt line (GSI), -1 when not attached
 * @param driverStatus   the device status byte the driver wrote (§2.1), 0 when not attached
 * @param queues         its queues and their counters, empty when not attached
 * @param implementation the bundle serving it ({@code symbolic-name/version [id]}), empty when none
 * @param implementationClass the class of the device instance, empty when none
 * @param swaps          how often the implementation was swapped under the running guest
 * @param source         the configuration it came from: the file FileInstall read, else the PID
 * @param error          why it is not attached ({@link Status#WAITING}, {@link Status#FAILED}), or empty
 */
public record DeviceInfo(String name, String vm, String type, int deviceId, Status status, long windowBase, int irq,
        int driverStatus, List<QueueInfo> queues, String implementation, String implementationClass, long swaps,
        String source, String error) {

    /** Where a configured device is. */
    public enum Status {
        /** No factory for its type is registered yet (install the device bundle or feature). */
        WAITING,
        /** Its factory is registered but the VM has no machine: an instance is made and attached when the VM starts. */
        READY,
        /** In a window of the running (or paused) VM, served by {@link DeviceInfo#implementation()}. */
        ATTACHED,
        /** Its factory went away; the old instance keeps serving for the grace period, waiting for a replacement. */
        ORPHANED,
        /** The factory rejected the configuration, no spare window was left, or attaching failed: see error. */
        FAILED,
        /** The configuration was rejected before reaching a factory (e.g. no {@code vm} key): see error. */
        INVALID
    }

    /** Compact form: a copy of the queue list. */
    public DeviceInfo {
        queues = List.copyOf(queues);
    }
}
