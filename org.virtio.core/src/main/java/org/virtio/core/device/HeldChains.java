package org.virtio.core.device;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.ToIntFunction;

import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/**
 * The device-writable chains a driver posted on one queue for data the device produces when it likes
 * (console input, input events, received frames): the device pops them when notified and holds them,
 * oldest first, until it has data for them (VirtIO 1.3 §2.7: a buffer the driver made available is the
 * device's until it puts it in the used ring, however much later). With the chains it tracks that queue's
 * open ring and whether delivery is on.
 *
 * <p>The lifecycle it encodes: {@link #activate} at DRIVER_OK; {@link #resume} on each notification (which
 * also picks up the new ring after a queue reset); {@link #quiesce} completes every held chain so none is in
 * flight for a snapshot and stops delivery until the next notification (the contract of
 * {@link VirtioDevice#quiesce}); {@link #queueReset} and {@link #reset} drop the held chains without
 * completing them, as §2.6.1.1 and §2.4 let the device (see {@link VirtioDevice#queueReset}).
 *
 * <p>Not thread-safe: the device guards it with the lock that also guards the data waiting for these
 * chains, so that "data waits" and "a chain is held" are never both true when that lock is free.
 */
public final class HeldChains {
    private final int queueIndex;
    private final ArrayDeque<DescriptorChain> chains;
    private VirtQueue queue;
    private boolean delivering;

    /**
     * @param queueIndex the queue whose chains are held
     * @param capacity   the expected most held chains (the queue's largest size); only sizes the store
     */
    public HeldChains(int queueIndex, int capacity) {
        this.queueIndex = queueIndex;
        this.chains = new ArrayDeque<>(capacity);
    }

    /**
     * DRIVER_OK: takes the queue's ring from the context, drops anything held, turns delivery on.
     *
     * @param context the activated device's context
     */
    public void activate(DeviceContext context) {
        queue = context.queue(queueIndex);
        chains.clear();
        delivering = true;
    }

    /**
     * The driver notified the queue: turns delivery back on (after {@link #quiesce}) and, after a queue
     * reset, takes the re-enabled queue's new ring from the context.
     *
     * @param context the activated device's context
     * @return the ring to pop from, or null when the driver has not (re-)enabled the queue
     */
    public VirtQueue resume(DeviceContext context) {
        if (queue == null) {
            queue = context.queue(queueIndex);
            if (queue == null) {
                return null;
            }
        }
        delivering = true;
        return queue;
    }

    /** @return the queue's open ring, or null before activation, after a queue reset or after reset */
    public VirtQueue queue() {
        return queue;
    }

    /** @return whether held chains may be filled now: a ring is open and the device is not quiesced */
    public boolean delivering() {
        return queue != null && delivering;
    }

    /** @param chain a chain popped from the queue, checked by the device, to hold until data comes */
    public void hold(DescriptorChain chain) {
        chains.addLast(Objects.requireNonNull(chain, "chain"));
    }

    /** @return the oldest held chain, no longer held, or null when none is */
    public DescriptorChain next() {
        return chains.pollFirst();
    }

    /** @return the oldest held chain, still held, or null when none is */
    public DescriptorChain peek() {
        return chains.peekFirst();
    }

    /** @return whether no chain is held */
    public boolean isEmpty() {
        return chains.isEmpty();
    }

    /** @return how many chains are held */
    public int size() {
        return chains.size();
    }

    /**
     * For data spread over several chains (e.g. VIRTIO_NET_F_MRG_RXBUF, §5.1.6.4).
     *
     * @param bytes how many device-writable bytes are wanted
     * @return how many of the oldest held chains together have at least {@code bytes} writable bytes, or 0
     *         when all of them together have fewer
     */
    public int chainsHolding(long bytes) {
        long room = 0;
        int count = 0;
        for (DescriptorChain c : chains) {
            room += c.writableBytes();
            count++;
            if (room >= bytes) {
                return count;
            }
        }
        return 0;
    }

    /**
     * Stops delivery until the next {@link #resume} and returns every held chain with the given used
     * length, then flushes (so the driver sees them before a snapshot).
     *
     * @param usedLength the used length for each chain, typically 0 (nothing written)
     */
    public void quiesce(int usedLength) {
        quiesce(chain -> usedLength);
    }

    /**
     * Stops delivery until the next {@link #resume} and returns every held chain, oldest first, after
     * {@code complete} has written what it must into it, then flushes.
     *
     * @param complete writes into a chain if needed and returns its used length
     */
    public void quiesce(ToIntFunction<DescriptorChain> complete) {
        delivering = false;
        VirtQueue q = queue;
        if (q == null) {
            return;
        }
        DescriptorChain chain;
        while ((chain = chains.pollFirst()) != null) {
            q.add(chain, complete.applyAsInt(chain));
        }
        q.flush();
    }

    /** The driver reset this queue: the held chains belong to the old ring and are dropped unused. */
    public void queueReset() {
        queue = null;
        chains.clear();
    }

    /** The device was reset: no ring, nothing held, no delivery until {@link #activate}. */
    public void reset() {
        queue = null;
        delivering = false;
        chains.clear();
    }
}
