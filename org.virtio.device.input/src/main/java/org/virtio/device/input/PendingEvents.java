package org.virtio.device.input;

/**
 * Events waiting for eventq buffers: a bounded FIFO ring of 8-byte events, each packed in a long
 * (type in bits 48–63, code in 32–47, value in 0–31). It never grows: the device decides what to accept
 * before adding. Not thread-safe: the device guards it with its event lock. Allocates nothing after
 * construction.
 */
final class PendingEvents {
    private final long[] ring;
    private int head;
    private int count;

    /** @param capacity the most events held, at least 1 */
    PendingEvents(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        ring = new long[capacity];
    }

    static long pack(int type, int code, int value) {
        return ((long) (type & 0xffff) << 48) | ((long) (code & 0xffff) << 32) | (value & 0xffffffffL);
    }

    static int type(long event) {
        return (int) (event >>> 48);
    }

    static int code(long event) {
        return (int) (event >>> 32) & 0xffff;
    }

    static int value(long event) {
        return (int) event;
    }

    /** @return events waiting */
    int size() {
        return count;
    }

    /** @return the most events held */
    int capacity() {
        return ring.length;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** @return room for that many more events */
    boolean hasRoom(int events) {
        return ring.length - count >= events;
    }

    /** Appends one event. @throws IllegalStateException when full (the caller checks {@link #hasRoom}) */
    void add(long event) {
        if (count == ring.length) {
            throw new IllegalStateException("pending event ring full");
        }
        ring[(head + count) % ring.length] = event;
        count++;
    }

    /** Removes and returns the oldest event. @throws IllegalStateException when empty */
    long poll() {
        if (count == 0) {
            throw new IllegalStateException("no pending event");
        }
        long e = ring[head];
        head = (head + 1) % ring.length;
        count--;
        return e;
    }

    /** Drops everything. @return how many events were dropped */
    int clear() {
        int n = count;
        head = 0;
        count = 0;
        return n;
    }
}
