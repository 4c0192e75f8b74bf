package org.virtio.device.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;
import org.virtio.core.memory.GuestAddress;
import org.virtio.device.net.backend.NetBackend;

/** The transmit path (parse, copy, send) allocates nothing per frame once warm: device, core queue and driver together. */
class NetAllocationTest {

    /** Counts frames and bytes; receives nothing until closed. */
    private static final class CountingBackend implements NetBackend {
        volatile long frames;
        private final Object lock = new Object();
        private boolean closed;

        @Override
        public int receive(MemorySegment dst) {
            synchronized (lock) {
                while (!closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return -1;
                    }
                }
                return -1;
            }
        }

        @Override
        public boolean send(MemorySegment frame, int length) {
            frames++;
            return true;
        }

        @Override
        public void close() {
            synchronized (lock) {
                closed = true;
                lock.notifyAll();
            }
        }

        @Override
        public String description() {
            return "counting";
        }
    }

    @Test
    void steadyStateTransmitDoesNotAllocate() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        CountingBackend backend = new CountingBackend();
        NetDevice d = new NetDevice(backend, new byte[] {0x52, 0x54, 0, 0, 0, 1}, 0, true, 16);
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT_MRG)) {
            GuestAddress buf = h.buffer(12 + 1514);
            h.write(buf, new byte[12 + 1514]);
            long[] addrs = {buf.value()};
            int[] lens = {12 + 1514};
            boolean[] writable = {false};
            for (int i = 0; i < 20_000; i++) {
                roundTrip(h, addrs, lens, writable);
            }
            long tid = Thread.currentThread().threadId();
            long before = threads.getThreadAllocatedBytes(tid);
            int n = 10_000;
            for (int i = 0; i < n; i++) {
                roundTrip(h, addrs, lens, writable);
            }
            long perFrame = (threads.getThreadAllocatedBytes(tid) - before) / n;
            assertTrue(perFrame < 8, "allocated " + perFrame + " bytes per frame");
            assertEquals(30_000, backend.frames);
        } finally {
            d.close();
        }
    }

    private static void roundTrip(NetHarness h, long[] addrs, int[] lens, boolean[] writable) {
        h.q(NetHarness.TX).add(addrs, lens, writable, 1, false);
        h.driver.kick(NetHarness.TX);
        h.q(NetHarness.TX).pollUsed();
        assertEquals(0, h.q(NetHarness.TX).usedLength());
    }
}
