package org.virtio.device.blk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request path allocates nothing per request once warm: 4 KiB reads and writes (no fsync: FLUSH is
 * negotiated), device, core queue and simulated driver together.
 */
class BlkAllocationTest {
    @TempDir
    Path dir;

    @Test
    void steadyStateRequestsDoNotAllocate() throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (BlkDevice d = BlkImages.device(BlkImages.image(dir, "disk.img", 64 * 512), false, null);
                BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            BlkHarness.Chain w = h.chain().in(BlkHarness.header(BlkSpec.T_OUT, 8)).in(new byte[4096]).out(1);
            BlkHarness.Chain r = h.chain().in(BlkHarness.header(BlkSpec.T_IN, 8)).out(4096).out(1);
            long[][] addrs = {addrs(w), addrs(r)};
            int[][] lens = {{16, 4096, 1}, {16, 4096, 1}};
            boolean[][] writable = {{false, false, true}, {false, true, true}};
            int[] used = {1, 4097};
            for (int i = 0; i < 20_000; i++) {
                roundTrip(h, addrs[i & 1], lens[i & 1], writable[i & 1], used[i & 1]);
            }
            long tid = Thread.currentThread().threadId();
            long before = threads.getThreadAllocatedBytes(tid);
            int n = 10_000;
            for (int i = 0; i < n; i++) {
                roundTrip(h, addrs[i & 1], lens[i & 1], writable[i & 1], used[i & 1]);
            }
            long perRequest = (threads.getThreadAllocatedBytes(tid) - before) / n;
            assertTrue(perRequest < 8, "allocated " + perRequest + " bytes per request");
            assertEquals(0, d.metrics().errors());
        }
    }

    private static long[] addrs(BlkHarness.Chain c) {
        long[] a = new long[c.bufs.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = c.bufs.get(i).at().value();
        }
        return a;
    }

    private static void roundTrip(BlkHarness h, long[] addrs, int[] lens, boolean[] writable, int used) {
        h.queue().add(addrs, lens, writable, 3, false);
        h.driver.kick(0);
        h.queue().pollUsed();
        assertEquals(used, h.queue().usedLength());
    }
}
