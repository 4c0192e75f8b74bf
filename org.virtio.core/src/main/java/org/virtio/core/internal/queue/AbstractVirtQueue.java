package org.virtio.core.internal.queue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueError;
import org.virtio.core.queue.VirtQueue;

/**
 * What split and packed queues share: the chain pool, in-flight accounting, VIRTIO_F_IN_ORDER
 * completion ordering, and failure handling.
 *
 * <p>Memory ordering. The driver runs on other CPUs and publishes a ring index after the entries it
 * covers; the device must not read those entries before the index. We read driver-published indices
 * and packed descriptor flags with {@code getAcquire} (pairs with the driver's write barrier) and
 * publish ours with {@code setRelease} (our used entries become visible before the index/flags that
 * announce them). Before reading the driver's suppression fields (used_event, flags) after publishing,
 * we need store-to-load ordering, which acquire/release do not give: a {@code VarHandle.fullFence()}
 * there, exactly where Linux uses {@code virtio_mb()}. On x86 acquire/release compile to plain moves,
 * so the hot path pays only for the one fence per flush.
 */
abstract class AbstractVirtQueue implements VirtQueue {
    // Plain field access is unaligned-tolerant: indirect tables may sit at any guest address, and a
    // misaligned guest pointer must not become an exception. Ring indices and flags, whose areas are
    // checked for alignment when the queue opens, use the aligned atomic handle.
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Aligned 16-bit var handle with coordinates (segment, offset): acquire/release ring fields. */
    static final VarHandle U16_ATOMIC = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;

    final int index;
    final int size;
    final QueueContext ctx;
    /** Longest chain accepted, in descriptors (VirtIO 1.3 §2.7.5.3.1: never longer than the queue size). */
    final int maxElements;

    private final ChainImpl[] free;
    private int freeCount;
    private int inFlight;

    private QueueError error;
    private boolean closed;

    /** IN_ORDER: next sequence number to pop, next to publish (both modulo size), and chains completed early. */
    private int popSequence;
    private int publishSequence;
    private final ChainImpl[] parked;
    private final int[] parkedLength;

    AbstractVirtQueue(int index, int size, QueueContext ctx) {
        this.index = index;
        this.size = size;
        this.ctx = ctx;
        // IOMMU splitting can turn one descriptor into several elements.
        this.maxElements = ctx.translator == null ? size : size * 4 + 64;
        this.free = new ChainImpl[size];
        for (int i = 0; i < size; i++) {
            free[i] = new ChainImpl(ctx.memory, this);
        }
        this.freeCount = size;
        this.parked = ctx.inOrder ? new ChainImpl[size] : null;
        this.parkedLength = ctx.inOrder ? new int[size] : null;
    }

    @Override
    public final int index() {
        return index;
    }

    @Override
    public final int size() {
        return size;
    }

    @Override
    public final boolean isBroken() {
        return error != null;
    }

    @Override
    public final QueueError error() {
        return error;
    }

    @Override
    public final int inFlight() {
        return inFlight;
    }

    /** Stops all ring access: after a device reset the device must not touch the rings (§2.4.1). */
    public final void close() {
        closed = true;
    }

    final boolean closed() {
        return closed;
    }

    final boolean usable() {
        return error == null && !closed;
    }

    /** @return a cleared chain from the pool, or null (and the queue broken) when the driver overcommits */
    final ChainImpl acquire() {
        if (freeCount == 0) {
            fail(QueueError.TOO_MANY_IN_FLIGHT, size + " chains in flight");
            return null;
        }
        ChainImpl c = free[--freeCount];
        c.clear();
        return c;
    }

    /** Marks a fully validated chain as in flight. */
    final ChainImpl launch(ChainImpl c) {
        c.inFlight = true;
        c.sequence = popSequence;
        // Kept modulo size: a free-running int taken modulo a size that does not divide 2^32 (packed rings
        // need not be a power of 2) jumps at the overflow and two parked chains would share a slot.
        int next = popSequence + 1;
        popSequence = next >= 0 && next < size ? next : next % size; // = (popSequence + 1) % size, no division per pop
        inFlight++;
        return c;
    }

    /** Returns a chain that failed validation to the pool. */
    final void discard(ChainImpl c) {
        free[freeCount++] = c;
    }

    /** Breaks the queue: the first error wins and is reported once. */
    final void fail(QueueError e, String detail) {
        if (error == null) {
            error = e;
            ctx.onFailure.queueFailed(index, e, detail);
        }
    }

    @Override
    public final void add(DescriptorChain chain, int writtenLength) {
        if (!(chain instanceof ChainImpl c) || c.owner != this || !c.inFlight || writtenLength < 0
                || writtenLength > c.writableBytes()) {
            throw badAdd(chain, writtenLength);
        }
        c.inFlight = false;
        inFlight--;
        if (parked == null) {
            retire(c, writtenLength);
        } else {
            addInOrder(c, writtenLength);
        }
    }

    private IllegalArgumentException badAdd(DescriptorChain chain, int writtenLength) {
        if (!(chain instanceof ChainImpl c) || c.owner != this || !c.inFlight) {
            return new IllegalArgumentException("chain was not popped from queue " + index + " or was already added");
        }
        return new IllegalArgumentException("written length " + writtenLength + " exceeds the "
                + c.writableBytes() + " writable bytes of " + c);
    }

    /** VIRTIO_F_IN_ORDER: park the chain, then publish every chain whose predecessors are all done. */
    private void addInOrder(ChainImpl c, int writtenLength) {
        int slot = Math.floorMod(c.sequence, size);
        parked[slot] = c;
        parkedLength[slot] = writtenLength;
        // Publish every chain whose predecessors are all done.
        int s;
        while (parked[s = Math.floorMod(publishSequence, size)] != null) {
            ChainImpl next = parked[s];
            parked[s] = null;
            publishSequence = (publishSequence + 1) % size;
            retire(next, parkedLength[s]);
        }
    }

    private void retire(ChainImpl c, int writtenLength) {
        if (!closed) {
            writeUsed(c, writtenLength);
        }
        free[freeCount++] = c;
    }

    /** Writes one used element (not yet published). */
    abstract void writeUsed(ChainImpl c, int writtenLength);

    static short acquire16(MemorySegment seg, long offset) {
        return (short) U16_ATOMIC.getAcquire(seg, offset);
    }

    static void release16(MemorySegment seg, long offset, short value) {
        U16_ATOMIC.setRelease(seg, offset, value);
    }

    final void checkSnapshot() {
        if (inFlight != 0) {
            throw new IllegalStateException("queue " + index + " has " + inFlight + " chains in flight; quiesce first");
        }
        if (error != null) {
            throw new IllegalStateException("queue " + index + " is broken (" + error + ")");
        }
    }
}
