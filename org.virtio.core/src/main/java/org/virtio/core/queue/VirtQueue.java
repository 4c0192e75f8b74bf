package org.virtio.core.queue;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The device side of one virtqueue. Typical use by a device, on a notification:
 *
 * <pre>{@code
 * do {
 *     queue.disableNotifications();
 *     DescriptorChain c;
 *     while ((c = queue.pop()) != null) { handle(c); queue.add(c, written); }
 *     queue.flush();                       // one used-index store, at most one interrupt
 * } while (queue.enableNotifications());   // re-check: the driver may have added buffers meanwhile
 * }</pre>
 *
 * Not thread-safe: one thread serves a queue at a time. Nothing here throws on guest input: a malformed
 * chain makes {@link #pop} return null and the queue {@linkplain #isBroken() broken}.
 */
@ProviderType
public interface VirtQueue {

    /** @return the queue index within its device */
    int index();

    /** @return split or packed */
    QueueFormat format();

    /** @return the negotiated queue size */
    int size();

    /**
     * Takes the next available chain and validates it whole.
     *
     * @return the chain, or null when none is available or the queue is broken
     */
    DescriptorChain pop();

    /**
     * Takes the chain that starts at a given head again, without consuming an available ring entry, and
     * validates it as {@link #pop} does. For a backend process that resumes the requests an earlier process
     * popped but did not complete (vhost-user {@code VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD}, whose shared
     * region records in-flight heads of split rings, VirtIO 1.3 §2.7.6). The caller vouches that the head is
     * not in flight already.
     *
     * @param head a descriptor table index
     * @return the chain, or null when the queue is broken or closed, or the chain is malformed (which breaks
     *         the queue, as a bad head from the available ring would)
     * @throws UnsupportedOperationException for a packed queue (its inflight layout is not supported)
     * @since 1.1
     */
    default DescriptorChain popHead(int head) {
        throw new UnsupportedOperationException(format() + " queues cannot re-take a chain by head");
    }

    /**
     * Puts a chain on the used ring; visible to the driver at the next {@link #flush}. With
     * VIRTIO_F_IN_ORDER a chain completed early is held back until the ones before it are added.
     *
     * @param chain         a chain popped from this queue and not yet added
     * @param writtenLength bytes the device wrote into the writable part, from its start
     * @throws IllegalArgumentException when writtenLength exceeds the writable bytes (a device bug)
     */
    void add(DescriptorChain chain, int writtenLength);

    /**
     * Publishes the used entries added since the last flush with one release store, then sends at most
     * one used buffer notification, unless the driver suppressed it (flags or used_event / event
     * suppression structure).
     */
    void flush();

    /** Shortcut for {@code add(chain, writtenLength); flush();}. @param chain the chain @param writtenLength bytes written */
    default void complete(DescriptorChain chain, int writtenLength) {
        add(chain, writtenLength);
        flush();
    }

    /** Asks the driver not to notify (VIRTQ_USED_F_NO_NOTIFY, or not advancing avail_event). */
    void disableNotifications();

    /**
     * Asks the driver to notify again, then checks for buffers made available in between (the race the
     * spec's notification suppression leaves to the device).
     *
     * @return true when buffers are available, so the caller should poll again
     */
    boolean enableNotifications();

    /** @return whether a driver mistake has stopped the queue until reset */
    boolean isBroken();

    /** @return what broke the queue, or null */
    QueueError error();

    /** @return chains popped but not yet added to the used ring */
    int inFlight();

    /**
     * @return the queue's resumable state
     * @throws IllegalStateException when chains are still in flight or the queue is broken
     */
    QueueState state();
}
