package org.virtio.device.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.RepeatedTest;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.memory.GuestAddress;

/**
 * The cross-thread receive path: the backend's reader thread delivers frames while the guest posts and
 * reaps small mergeable receive buffers on another thread. With a host queue larger than the burst nothing
 * may be dropped: every frame arrives once, whole, in order.
 */
class NetConcurrencyTest {
    private static final int FRAMES = 1500;
    private static final int BUFFERS = 16;
    private static final int BUFFER_SIZE = 128;

    @RepeatedTest(2)
    void framesFromTheReaderArriveCompleteAndInOrder() throws Exception {
        for (long features : new long[] {NetHarness.SPLIT_MRG, NetHarness.PACKED_MRG}) {
            run(features);
        }
    }

    private static int lengthOf(int i) {
        return 14 + (i * 37) % 600;
    }

    private static void run(long features) throws Exception {
        MemoryNetBackend backend = new MemoryNetBackend();
        NetDevice d = new NetDevice(backend, new byte[] {0x52, 0x54, 0, 0, 0, 1}, 0, true, FRAMES);
        try (NetHarness h = new NetHarness(d, features)) {
            Thread pusher = Thread.ofPlatform().name("test-net-frames").start(() -> {
                for (int i = 0; i < FRAMES; i++) {
                    backend.push(NetHarness.frame(lengthOf(i), i));
                }
            });
            Map<Integer, GuestAddress> byId = new HashMap<>();
            GuestAddress[] free = new GuestAddress[BUFFERS];
            for (int i = 0; i < BUFFERS; i++) {
                free[i] = h.buffer(BUFFER_SIZE);
            }
            int freeCount = BUFFERS;
            int received = 0;
            int remainingBuffers = 0;
            ByteArrayOutputStream current = new ByteArrayOutputStream();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (received < FRAMES && System.nanoTime() < deadline) {
                if (freeCount > 0) {
                    while (freeCount > 0) {
                        GuestAddress a = free[--freeCount];
                        byId.put(h.add(NetHarness.RX, new GuestAddress[] {a}, new int[] {BUFFER_SIZE}, new boolean[] {true}), a);
                    }
                    h.driver.kick(NetHarness.RX);
                }
                boolean any = false;
                while (h.q(NetHarness.RX).pollUsed()) {
                    any = true;
                    GuestAddress a = byId.remove(h.q(NetHarness.RX).usedId());
                    byte[] got = h.read(a, h.q(NetHarness.RX).usedLength());
                    free[freeCount++] = a;
                    if (remainingBuffers == 0) {
                        remainingBuffers = NetHarness.numBuffers(got);
                        assertTrue(remainingBuffers >= 1, "num_buffers of frame " + received);
                        got = Arrays.copyOfRange(got, 12, got.length);
                    }
                    current.writeBytes(got);
                    if (--remainingBuffers == 0) {
                        assertArrayEquals(NetHarness.frame(lengthOf(received), received), current.toByteArray(), "frame " + received);
                        current.reset();
                        received++;
                    }
                }
                if (!any) {
                    Thread.onSpinWait();
                }
            }
            pusher.join(TimeUnit.SECONDS.toMillis(30));
            assertEquals(FRAMES, received, "frames received before the deadline: " + d.metrics());
            assertEquals(0, d.metrics().rxDroppedQueueFull());
            assertEquals(0, h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
        } finally {
            d.close();
        }
    }
}
