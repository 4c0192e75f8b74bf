package org.virtio.device.net;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.virtio.device.net.backend.NetBackend;

/**
 * Test backend: frames pushed by the test are received by the device's reader thread; frames the device
 * sends are recorded. {@link #awaitIdle} waits until the reader has handed every pushed frame to the device
 * and is back waiting, so tests need no sleeps.
 */
final class MemoryNetBackend implements NetBackend {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> incoming = new ArrayDeque<>();
    private final List<byte[]> sent = new ArrayList<>();
    private long taken;
    private long processed;
    private boolean closed;
    boolean acceptSends = true;

    void push(byte[] frame) {
        lock.lock();
        try {
            incoming.add(frame.clone());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until every pushed frame went through the device. */
    void awaitIdle() throws InterruptedException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(incoming.isEmpty() && processed == taken)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("reader did not consume the pushed frames within 10 s");
                }
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    List<byte[]> sent() {
        lock.lock();
        try {
            return new ArrayList<>(sent);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int receive(MemorySegment dst) throws IOException {
        lock.lock();
        try {
            processed = taken; // the reader is back: every frame it took has been handled
            changed.signalAll();
            while (incoming.isEmpty() && !closed) {
                changed.awaitUninterruptibly();
            }
            if (closed) {
                return -1;
            }
            byte[] f = incoming.poll();
            taken++;
            int n = (int) Math.min(f.length, dst.byteSize());
            MemorySegment.copy(f, 0, dst, ValueLayout.JAVA_BYTE, 0, n);
            return f.length;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean send(MemorySegment frame, int length) throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new IOException("closed");
            }
            if (!acceptSends) {
                return false;
            }
            sent.add(frame.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE));
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String description() {
        return "memory";
    }
}
