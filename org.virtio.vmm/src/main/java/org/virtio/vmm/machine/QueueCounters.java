package org.virtio.vmm.machine;

/**
 * One virtqueue of an attached device (VirtIO 1.3 §2.6), counted since the device was attached; kept
 * across {@link Machine#swapDevice}.
 *
 * @param index         queue index
 * @param size          the driver's queue size (the maximum until it wrote one)
 * @param ready         QueueReady as the driver left it
 * @param notifications driver notifications delivered to the device
 * @param interrupts    used-buffer notifications the device sent for the queue
 */
public record QueueCounters(int index, int size, boolean ready, long notifications, long interrupts) {
}
