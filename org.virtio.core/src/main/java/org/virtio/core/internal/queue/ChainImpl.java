package org.virtio.core.internal.queue;

import java.lang.foreign.MemorySegment;

import org.virtio.core.memory.GuestMemory;
import org.virtio.core.queue.DescriptorChain;

/**
 * A pooled, reusable chain. Element arrays grow to the longest chain seen and are then reused, so the
 * steady state allocates nothing.
 */
final class ChainImpl implements DescriptorChain {
    private final GuestMemory memory;
    final Object owner;

    int id;
    /** Descriptors (ring slots for packed) the chain consumed. */
    int descriptorCount;
    /** Order in which the chain was popped, for VIRTIO_F_IN_ORDER. */
    int sequence;
    boolean inFlight;

    private int count;
    private int readable;
    private long readableBytes;
    private long writableBytes;
    private long[] address = new long[4];
    private long[] length = new long[4];
    private int[] region = new int[4];
    private long[] regionOffset = new long[4];

    ChainImpl(GuestMemory memory, Object owner) {
        this.memory = memory;
        this.owner = owner;
    }

    void clear() {
        count = 0;
        readable = 0;
        readableBytes = 0;
        writableBytes = 0;
        descriptorCount = 0;
        id = 0;
    }

    /** Appends a checked buffer as a new element. */
    void append(long gpa, long len, boolean writable, int regionIndex, long offset, int maxElements)
            throws QueueContext.ChainTooLongException {
        int n = count;
        if (n == maxElements) {
            throw QueueContext.ChainTooLongException.INSTANCE;
        }
        if (n == address.length) {
            grow();
        }
        address[n] = gpa;
        length[n] = len;
        region[n] = regionIndex;
        regionOffset[n] = offset;
        count = n + 1;
        if (writable) {
            writableBytes += len;
        } else {
            readable++;
            readableBytes += len;
        }
    }

    /**
     * Grows the last element by a piece of the same descriptor that the IOMMU mapped right behind it.
     *
     * @return false when the piece is not contiguous with the last element (then append it)
     */
    boolean extendLast(long gpa, long len, boolean writable, int regionIndex, long offset) {
        int last = count - 1;
        if (last < 0 || (last >= readable) != writable || region[last] != regionIndex
                || address[last] + length[last] != gpa || regionOffset[last] + length[last] != offset) {
            return false;
        }
        length[last] += len;
        if (writable) {
            writableBytes += len;
        } else {
            readableBytes += len;
        }
        return true;
    }

    private void grow() {
        int n = address.length * 2;
        address = java.util.Arrays.copyOf(address, n);
        length = java.util.Arrays.copyOf(length, n);
        region = java.util.Arrays.copyOf(region, n);
        regionOffset = java.util.Arrays.copyOf(regionOffset, n);
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public int bufferCount() {
        return count;
    }

    @Override
    public int readableCount() {
        return readable;
    }

    @Override
    public long address(int i) {
        return address[check(i)];
    }

    @Override
    public long length(int i) {
        return length[check(i)];
    }

    @Override
    public boolean isWritable(int i) {
        return check(i) >= readable;
    }

    @Override
    public long readableBytes() {
        return readableBytes;
    }

    @Override
    public long writableBytes() {
        return writableBytes;
    }

    @Override
    public MemorySegment segment(int i) {
        check(i);
        MemorySegment s = memory.regionSegment(region[i]).asSlice(regionOffset[i], length[i]);
        // §2.7.5.1 / §2.8.15: a device must not write a device-readable buffer; make that impossible.
        return i < readable ? s.asReadOnly() : s;
    }

    private int check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("buffer " + i + " of " + count);
        }
        return i;
    }

    @Override
    public long read(long offset, MemorySegment dst, long dstOff, long len) {
        return copy(0, readable, offset, dst, dstOff, len, false);
    }

    @Override
    public long write(long offset, MemorySegment src, long srcOff, long len) {
        return copy(readable, count, offset, src, srcOff, len, true);
    }

    private long copy(int from, int to, long offset, MemorySegment host, long hostOff, long len, boolean toGuest) {
        if (offset < 0 || len < 0) {
            throw new IllegalArgumentException("negative offset or length");
        }
        long done = 0;
        long skip = offset;
        for (int i = from; i < to && done < len; i++) {
            long l = length[i];
            if (skip >= l) {
                skip -= l;
                continue;
            }
            long n = Math.min(l - skip, len - done);
            MemorySegment seg = memory.regionSegment(region[i]);
            if (toGuest) {
                MemorySegment.copy(host, hostOff + done, seg, regionOffset[i] + skip, n);
            } else {
                MemorySegment.copy(seg, regionOffset[i] + skip, host, hostOff + done, n);
            }
            done += n;
            skip = 0;
        }
        return done;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("chain id=").append(id).append(" [");
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : ", ").append(i < readable ? "R " : "W ").append("0x")
                    .append(Long.toHexString(address[i])).append('+').append(length[i]);
        }
        return sb.append(']').toString();
    }
}
