package org.virtio.shell.vm;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Carries a guest's serial output from the vCPU thread to the shell session. The VM manager writes on a
 * vCPU thread, which must not wait for a slow SSH client, so writes only copy into a bounded buffer (what
 * does not fit is dropped and counted) and the command's own thread drains it to the terminal.
 */
final class ConsoleRelay extends OutputStream {
    private final byte[] ring;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition filled = lock.newCondition();
    private int head;
    private int count;
    private long dropped;

    /** @param capacity the most bytes held between two drains */
    ConsoleRelay(int capacity) {
        ring = new byte[capacity];
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        lock.lock();
        try {
            int taken = Math.min(length, ring.length - count);
            for (int i = 0; i < taken; i++) {
                ring[(head + count + i) % ring.length] = bytes[offset + i];
            }
            count += taken;
            dropped += length - taken;
            if (taken > 0) {
                filled.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code timeout} for output, then writes everything held to {@code to}.
     *
     * @return the number of bytes written
     */
    int drainTo(PrintStream to, long timeout, TimeUnit unit) throws InterruptedException {
        byte[] chunk;
        lock.lock();
        try {
            if (count == 0) {
                filled.await(timeout, unit);
            }
            chunk = new byte[count];
            for (int i = 0; i < count; i++) {
                chunk[i] = ring[(head + i) % ring.length];
            }
            head = (head + count) % ring.length;
            count = 0;
        } finally {
            lock.unlock();
        }
        if (chunk.length > 0) {
            to.write(chunk, 0, chunk.length);
            to.flush();
        }
        return chunk.length;
    }

    /** @return output bytes dropped because the buffer was full */
    long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }
}
