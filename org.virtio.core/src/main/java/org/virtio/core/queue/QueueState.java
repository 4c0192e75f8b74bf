package org.virtio.core.queue;

import org.virtio.core.memory.GuestAddress;

/**
 * Everything needed to resume a quiesced queue in another object (live swap) or another process: the
 * driver-programmed registers and the device's ring positions. A snapshot is taken only with no chain in
 * flight, so positions are exact. Restoring treats it as hostile input and re-validates it.
 *
 * @param index       queue index
 * @param format      split or packed
 * @param size        negotiated queue size
 * @param descArea    descriptor table (split) / descriptor ring (packed)
 * @param driverArea  available ring (split) / driver event suppression (packed)
 * @param deviceArea  used ring (split) / device event suppression (packed)
 * @param ready       whether the driver enabled the queue
 * @param nextAvail   split: free-running last-seen available index; packed: next ring position to read
 * @param availWrap   packed only: the driver ring wrap counter the device expects next
 * @param nextUsed    split: free-running used index; packed: next ring position to write
 * @param usedWrap    packed only: the device ring wrap counter
 * @param notificationsEnabled whether the device currently wants driver notifications
 */
public record QueueState(int index, QueueFormat format, int size, GuestAddress descArea, GuestAddress driverArea,
        GuestAddress deviceArea, boolean ready, int nextAvail, boolean availWrap, int nextUsed, boolean usedWrap,
        boolean notificationsEnabled) {

    /**
     * @param index queue index
     * @param format ring layout
     * @return the state of a queue the driver has not set up: size 0, zero addresses, not ready
     */
    public static QueueState initial(int index, QueueFormat format) {
        GuestAddress zero = new GuestAddress(0);
        return new QueueState(index, format, 0, zero, zero, zero, false, 0, true, 0, true, true);
    }
}
