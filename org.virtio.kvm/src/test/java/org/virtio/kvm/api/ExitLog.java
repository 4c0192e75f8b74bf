package org.virtio.kvm.api;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Port I/O and MMIO handlers that record every exit as a line, in order ("out 0x3f8/1 0x4f",
 * "mmio-read 0x10000008/4", ...), answer reads with fixed values, and let a test wait for a given
 * line count.
 */
public class ExitLog implements PortIoHandler, MmioHandler {
    static final int IN_VALUE = 0x5a;
    static final long MMIO_READ_VALUE = 0xcafe_f00dL;

    private final List<String> lines = new ArrayList<>();
    private final StringBuilder uart = new StringBuilder();
    private CountDownLatch waiting;
    private int waitingFor;

    @Override
    public synchronized int in(int port, int size) {
        add("in 0x" + Integer.toHexString(port) + "/" + size);
        return IN_VALUE;
    }

    @Override
    public synchronized void out(int port, int size, int value) {
        if (port == 0x3f8) {
            uart.append((char) value);
        }
        add("out 0x" + Integer.toHexString(port) + "/" + size + " 0x" + Integer.toHexString(value));
    }

    @Override
    public synchronized long read(long address, int length) {
        add("mmio-read 0x" + Long.toHexString(address) + "/" + length);
        return MMIO_READ_VALUE;
    }

    @Override
    public synchronized void write(long address, int length, long value) {
        add("mmio-write 0x" + Long.toHexString(address) + "/" + length + " 0x" + Long.toHexString(value));
    }

    private void add(String line) {
        lines.add(line);
        if (waiting != null && lines.size() >= waitingFor) {
            waiting.countDown();
        }
    }

    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** @return the bytes written to port 0x3f8, as characters */
    public synchronized String uart() {
        return uart.toString();
    }

    /** @return whether at least {@code count} exits were recorded within the timeout */
    public boolean awaitLines(int count, long timeoutMillis) throws InterruptedException {
        CountDownLatch latch;
        synchronized (this) {
            if (lines.size() >= count) {
                return true;
            }
            latch = new CountDownLatch(1);
            waiting = latch;
            waitingFor = count;
        }
        return latch.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }
}
