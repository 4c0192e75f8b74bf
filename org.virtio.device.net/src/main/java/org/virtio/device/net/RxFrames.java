package org.virtio.device.net;

import java.lang.foreign.MemorySegment;

/**
 * Received frames waiting for receive buffers: a bounded FIFO of reusable slots. A slot's array grows to the
 * largest frame it has held and is then reused, so the steady state allocates nothing; the memory held is
 * at most {@code capacity × 65535} bytes. When full, new frames are refused (the caller drops and counts
 * them): the oldest frames are the ones a TCP peer is already waiting for. Not thread-safe: the device
 * guards it with its receive lock.
 */
final class RxFrames {
    private final byte[][] slots;
    private final MemorySegment[] segments;
    private final int[] lengths;
    private int head;
    private int count;

    /** @param capacity the most frames held, at least 1 */
    RxFrames(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        slots = new byte[capacity][];
        segments = new MemorySegment[capacity];
        lengths = new int[capacity];
    }

    int size() {
        return count;
    }

    int capacity() {
        return slots.length;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /**
     * Copies a frame in.
     *
     * @return false when full (nothing copied)
     */
    boolean offer(MemorySegment frame, int length) {
        if (count == slots.length) {
            return false;
        }
        int i = (head + count) % slots.length;
        if (slots[i] == null || slots[i].length < length) {
            slots[i] = new byte[Math.max(length, 2048)];
            segments[i] = MemorySegment.ofArray(slots[i]);
        }
        MemorySegment.copy(frame, 0, segments[i], 0, length);
        lengths[i] = length;
        count++;
        return true;
    }

    /** @return the oldest frame's bytes (valid up to {@link #firstLength()}); the queue must not be empty */
    MemorySegment first() {
        return segments[head];
    }

    int firstLength() {
        return lengths[head];
    }

    /** Removes the oldest frame. */
    void remove() {
        if (count == 0) {
            throw new IllegalStateException("no pending frame");
        }
        head = (head + 1) % slots.length;
        count--;
    }

    /** Drops every frame, keeping the slots. @return how many were dropped */
    int clear() {
        int n = count;
        head = 0;
        count = 0;
        return n;
    }
}
