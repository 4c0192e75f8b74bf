package org.virtio.core.driver;

import org.osgi.annotation.versioning.ProviderType;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.queue.QueueFormat;

/**
 * The driver side of one virtqueue: makes buffers available, decides whether the device wants a
 * notification, and collects used buffers. Not thread-safe.
 */
@ProviderType
public interface QueueDriver {
    /** @return the queue size */
    int size();

    /** @return split or packed */
    QueueFormat format();

    /** @return the descriptor area address to program into the device */
    GuestAddress descArea();

    /** @return the driver area address */
    GuestAddress driverArea();

    /** @return the device area address */
    GuestAddress deviceArea();

    /**
     * Makes one chain available: buffers 0..count-1, each readable or writable.
     *
     * @param addrs    buffer addresses
     * @param lens     buffer lengths
     * @param writable per buffer: device-writable
     * @param count    number of buffers, at least 1
     * @param indirect put the buffers in an indirect table (needs VIRTIO_F_INDIRECT_DESC)
     * @return the chain's id (head index or buffer id), or -1 when the ring is full
     */
    int add(long[] addrs, int[] lens, boolean[] writable, int count, boolean indirect);

    /**
     * After one or more {@link #add}s: whether the device asked to be notified (flags or event index).
     * Resets the count of buffers added since the last check.
     *
     * @return true when the driver should notify the device
     */
    boolean kickNeeded();

    /**
     * Takes the next used buffer, if any; its id and length are then in {@link #usedId()} and
     * {@link #usedLength()}.
     *
     * @return whether a used buffer was taken
     * @throws IllegalStateException when the device wrote a used element the driver cannot accept
     */
    boolean pollUsed();

    /** @return the id of the buffer last taken by {@link #pollUsed} */
    int usedId();

    /** @return the length the device wrote, for the buffer last taken */
    int usedLength();

    /** @return free descriptor slots */
    int freeDescriptors();

    /**
     * Asks the device for (or not for) used buffer notifications.
     *
     * @param enabled whether interrupts are wanted
     */
    void setInterruptsEnabled(boolean enabled);
}
