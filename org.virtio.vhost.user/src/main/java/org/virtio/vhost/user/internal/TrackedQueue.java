package org.virtio.vhost.user.internal;

import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.QueueError;
import org.virtio.core.queue.QueueState;
import org.virtio.core.queue.VirtQueue;

/**
 * The queue a device sees through the vhost-user backend: the core's split queue, plus
 * <ul>
 * <li>inflight tracking (INFLIGHT_SHMFD): every pop is recorded in the shared region and cleared once its
 * used entry is published, and the heads an earlier backend left in flight are handed out again first,
 * oldest first, through {@link VirtQueue#popHead};</li>
 * <li>the ring position GET_VRING_BASE returns: the available index the next pop would read;</li>
 * <li>a stop switch: once the frontend stops the ring the device gets no more chains, and completions of
 * chains it still holds are dropped (they stay recorded in flight, so the next backend resubmits them).</li>
 * </ul>
 * Like every VirtQueue, used by one thread at a time.
 */
final class TrackedQueue implements VirtQueue {
    private final VirtQueue delegate;
    private final InflightQueue inflight;
    private final int[] resubmit;
    private int resubmitted;
    private long counter;
    private final int[] batch;
    private int batchCount;
    private int usedIdx;
    private int availIdx;
    private volatile boolean stopped;

    /**
     * @param delegate  the core queue, opened at {@code availIdx}
     * @param inflight  the queue's inflight area, or null when not tracked
     * @param recovery  what an earlier backend left in flight (ignored without an area)
     * @param availIdx  the available index the delegate starts at
     * @param usedIdx   the used index as published in guest memory
     */
    TrackedQueue(VirtQueue delegate, InflightQueue inflight, InflightQueue.Recovery recovery, int availIdx, int usedIdx) {
        this.delegate = delegate;
        this.inflight = inflight;
        this.resubmit = inflight != null && recovery != null ? recovery.heads() : new int[0];
        this.counter = recovery != null ? recovery.nextCounter() : 1;
        this.batch = new int[delegate.size()];
        this.availIdx = availIdx & 0xffff;
        this.usedIdx = usedIdx & 0xffff;
    }

    /** @return heads still waiting to be handed out again */
    int pendingResubmissions() {
        return resubmit.length - resubmitted;
    }

    /** @return the available index the next pop from the ring reads (GET_VRING_BASE) */
    int availIndex() {
        return availIdx;
    }

    /** Stops the queue: no more chains, completions dropped. */
    void stop() {
        stopped = true;
    }

    @Override
    public int index() {
        return delegate.index();
    }

    @Override
    public QueueFormat format() {
        return delegate.format();
    }

    @Override
    public int size() {
        return delegate.size();
    }

    @Override
    public DescriptorChain pop() {
        if (stopped) {
            return null;
        }
        if (resubmitted < resubmit.length) {
            return delegate.popHead(resubmit[resubmitted++]);
        }
        DescriptorChain c = delegate.pop();
        if (c != null) {
            availIdx = (availIdx + 1) & 0xffff;
            if (inflight != null) {
                inflight.popped(c.id(), counter++);
            }
        }
        return c;
    }

    @Override
    public DescriptorChain popHead(int head) {
        throw new UnsupportedOperationException("the vhost-user backend resubmits in-flight heads itself");
    }

    @Override
    public void add(DescriptorChain chain, int writtenLength) {
        if (stopped) {
            return;
        }
        if (inflight != null && batchCount == batch.length) {
            flush();
        }
        delegate.add(chain, writtenLength);
        if (inflight != null) {
            batch[batchCount++] = chain.id();
        }
    }

    @Override
    public void flush() {
        if (stopped) {
            return;
        }
        if (inflight == null || batchCount == 0) {
            delegate.flush();
            return;
        }
        inflight.beforePublish(batch, batchCount);
        delegate.flush();
        usedIdx = (usedIdx + batchCount) & 0xffff;
        inflight.afterPublish(batch, batchCount, usedIdx);
        batchCount = 0;
    }

    @Override
    public void disableNotifications() {
        if (!stopped) {
            delegate.disableNotifications();
        }
    }

    @Override
    public boolean enableNotifications() {
        if (stopped) {
            return false;
        }
        return delegate.enableNotifications() || resubmitted < resubmit.length;
    }

    @Override
    public boolean isBroken() {
        return delegate.isBroken();
    }

    @Override
    public QueueError error() {
        return delegate.error();
    }

    @Override
    public int inFlight() {
        return delegate.inFlight();
    }

    @Override
    public QueueState state() {
        return delegate.state();
    }

    @Override
    public String toString() {
        return "vhost-user queue " + index() + " (avail " + availIdx + ", used " + usedIdx
                + (inflight != null ? ", inflight tracked" : "") + (stopped ? ", stopped" : "") + ")";
    }
}
