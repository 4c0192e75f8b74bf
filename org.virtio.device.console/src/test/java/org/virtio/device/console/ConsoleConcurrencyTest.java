package org.virtio.device.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.RepeatedTest;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.memory.GuestAddress;

/**
 * The one cross-thread path: input pushed from the backend's thread while the guest posts and reaps
 * receive buffers on another, both at once. Everything must arrive, once, in order.
 */
class ConsoleConcurrencyTest {
    private static final int TOTAL = 6000;
    private static final int BUFFERS = 8;
    private static final int BUFFER_SIZE = 13;

    @RepeatedTest(5)
    void inputFromAnotherThreadArrivesCompleteAndInOrder() throws Exception {
        for (long features : new long[] {ConsoleHarness.SPLIT, ConsoleHarness.PACKED}) {
            run(features);
        }
    }

    private static void run(long features) throws Exception {
        byte[] data = new byte[TOTAL];
        for (int i = 0; i < TOTAL; i++) {
            data[i] = (byte) (i * 131 + i / 256);
        }
        MemoryConsoleBackend backend = new MemoryConsoleBackend();
        ConsoleDevice d = new ConsoleDevice(backend, 64 * 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, features)) {
            CountDownLatch start = new CountDownLatch(1);
            AtomicReference<Throwable> pusherError = new AtomicReference<>();
            Thread pusher = Thread.ofPlatform().name("test-console-input").start(() -> {
                try {
                    start.await();
                    int off = 0;
                    int step = 0;
                    while (off < TOTAL) {
                        int n = Math.min(1 + (step++ * 7) % 37, TOTAL - off);
                        backend.push(data, off, n);
                        off += n;
                        if (step % 16 == 0) {
                            Thread.yield();
                        }
                    }
                } catch (Throwable t) {
                    pusherError.set(t);
                }
            });

            Map<Integer, GuestAddress> byId = new HashMap<>();
            GuestAddress[] free = new GuestAddress[BUFFERS];
            for (int i = 0; i < BUFFERS; i++) {
                free[i] = h.buffer(BUFFER_SIZE);
            }
            int freeCount = BUFFERS;
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            start.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (got.size() < TOTAL && System.nanoTime() < deadline) {
                if (freeCount > 0) {
                    while (freeCount > 0) {
                        GuestAddress a = free[--freeCount];
                        byId.put(h.add(ConsoleDevice.RECEIVE_QUEUE, new GuestAddress[] {a}, new int[] {BUFFER_SIZE},
                                new boolean[] {true}, false), a);
                    }
                    h.driver.kick(ConsoleDevice.RECEIVE_QUEUE);
                }
                boolean any = false;
                while (h.rx().pollUsed()) {
                    any = true;
                    GuestAddress a = byId.remove(h.rx().usedId());
                    int len = h.rx().usedLength();
                    assertTrue(len > 0 && len <= BUFFER_SIZE, "used length " + len);
                    got.writeBytes(h.read(a, len));
                    free[freeCount++] = a;
                }
                if (!any) {
                    Thread.onSpinWait();
                }
            }
            pusher.join(TimeUnit.SECONDS.toMillis(10));
            assertNull(pusherError.get());
            assertEquals(TOTAL, got.size(), "bytes received before the deadline");
            assertArrayEquals(data, got.toByteArray());
            assertEquals(TOTAL, d.metrics().bytesIn());
            assertEquals(0, d.metrics().droppedInput());
            assertEquals(0, h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
        }
    }
}
