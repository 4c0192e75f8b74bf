package org.virtio.device.console;

import java.lang.foreign.MemorySegment;

import org.virtio.core.queue.DescriptorChain;

/**
 * Input waiting for receive buffers: a bounded byte ring. When full, the oldest bytes give way to the
 * newest. Not thread-safe: the device guards it with its receive lock. Allocates nothing after
 * construction.
 */
final class InputBuffer {
    private final byte[] ring;
    private final MemorySegment segment;
    /** Index of the oldest byte. */
    private int head;
    private int count;

    /** @param capacity the most bytes held, at least 1 */
    InputBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        ring = new byte[capacity];
        segment = MemorySegment.ofArray(ring);
    }

    /** @return bytes waiting */
    int size() {
        return count;
    }

    /** @return the most bytes held */
    int capacity() {
        return ring.length;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /**
     * Appends bytes, dropping the oldest when the ring overflows.
     *
     * @return how many bytes were dropped (old ones, or the start of {@code src} when it alone is too big)
     */
    int put(byte[] src, int offset, int length) {
        int dropped = 0;
        if (length > ring.length) {
            dropped = length - ring.length;
            offset += dropped;
            length = ring.length;
        }
        int overflow = count + length - ring.length;
        if (overflow > 0) {
            head = (head + overflow) % ring.length;
            count -= overflow;
            dropped += overflow;
        }
        int tail = (head + count) % ring.length;
        int first = Math.min(length, ring.length - tail);
        System.arraycopy(src, offset, ring, tail, first);
        System.arraycopy(src, offset + first, ring, 0, length - first);
        count += length;
        return dropped;
    }

    /**
     * Moves the oldest bytes into the writable part of a chain, as many as fit.
     *
     * @return bytes written into the chain
     */
    int drainInto(DescriptorChain chain) {
        int n = (int) Math.min(count, chain.writableBytes());
        int first = Math.min(n, ring.length - head);
        chain.write(0, segment, head, first);
        if (n > first) {
            chain.write(first, segment, 0, n - first);
        }
        head = (head + n) % ring.length;
        count -= n;
        return n;
    }

    /** Drops everything waiting. @return how many bytes were dropped */
    int clear() {
        int n = count;
        head = 0;
        count = 0;
        return n;
    }
}
