package org.virtio.device.rng;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The request path allocates nothing per request once warm (file backend, so no SecureRandom internals
 * are measured): device, core queue and simulated driver together.
 */
class RngAllocationTest {

    @Test
    void steadyStateRequestsDoNotAllocate() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        RngDevice d = (RngDevice) new RngDeviceFactory(RngSettings.DEFAULTS).create(Map.of("source", "/dev/urandom"));
        try (RngHarness h = new RngHarness(d, RngHarness.SPLIT)) {
            long addr = h.buffer(256).value();
            long[] addrs = {addr};
            int[] lens = {256};
            boolean[] writable = {true};
            for (int i = 0; i < 20_000; i++) {
                roundTrip(h, addrs, lens, writable);
            }
            long tid = Thread.currentThread().threadId();
            long before = threads.getThreadAllocatedBytes(tid);
            int n = 10_000;
            for (int i = 0; i < n; i++) {
                roundTrip(h, addrs, lens, writable);
            }
            long perRequest = (threads.getThreadAllocatedBytes(tid) - before) / n;
            assertTrue(perRequest < 8, "allocated " + perRequest + " bytes per request");
        }
    }

    private static void roundTrip(RngHarness h, long[] addrs, int[] lens, boolean[] writable) {
        h.queue().add(addrs, lens, writable, 1, false);
        h.driver.kick(0);
        h.queue().pollUsed();
        assertEquals(256, h.queue().usedLength());
    }
}
