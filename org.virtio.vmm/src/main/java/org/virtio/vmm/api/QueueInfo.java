package org.virtio.vmm.api;

/**
 * One virtqueue of a device (VirtIO 1.3 §2.6), counted by the transport since the device was attached.
 * The counters survive a live swap (they belong to the window, not to the implementation).
 *
 * @param index         the queue index
 * @param size          the size the driver chose (the device's maximum until it wrote one)
 * @param ready         whether the driver enabled the queue (QueueReady)
 * @param notifications driver-to-device notifications (QueueNotify writes, through the ioeventfd or a register exit)
 * @param interrupts    used-buffer notifications the device sent for this queue (§2.7.10; irqfd pulses may coalesce)
 */
public record QueueInfo(int index, int size, boolean ready, long notifications, long interrupts) {
}
