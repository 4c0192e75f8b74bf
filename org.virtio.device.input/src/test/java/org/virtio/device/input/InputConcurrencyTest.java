package org.virtio.device.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.RepeatedTest;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.memory.GuestAddress;
import org.virtio.device.input.api.KeyCodes;

/**
 * The cross-thread path: keys injected on one thread while the guest posts and reaps eventq buffers on
 * another. With a bound larger than the whole burst nothing may be dropped: every event arrives once, in order.
 */
class InputConcurrencyTest {
    private static final int TAPS = 3000;
    private static final int BUFFERS = 8;

    @RepeatedTest(3)
    void eventsFromAnotherThreadArriveCompleteAndInOrder() throws Exception {
        for (long features : new long[] {InputHarness.SPLIT, InputHarness.PACKED}) {
            run(features);
        }
    }

    private static void run(long features) throws Exception {
        int[] codes = KeyCodes.supportedCodes();
        InputDevice d = new InputDevice("kbd".getBytes(), new byte[0], 2 * TAPS, null);
        try (InputHarness h = new InputHarness(d, features)) {
            CountDownLatch start = new CountDownLatch(1);
            AtomicReference<Throwable> error = new AtomicReference<>();
            Thread injector = Thread.ofPlatform().name("test-input-injector").start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < TAPS; i++) {
                        if (!d.tap(codes[i % codes.length])) {
                            throw new AssertionError("tap " + i + " dropped");
                        }
                    }
                } catch (Throwable t) {
                    error.set(t);
                }
            });
            Map<Integer, GuestAddress> byId = new HashMap<>();
            GuestAddress[] free = new GuestAddress[BUFFERS];
            for (int i = 0; i < BUFFERS; i++) {
                free[i] = h.buffer(8);
            }
            int freeCount = BUFFERS;
            int received = 0;
            start.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (received < 4 * TAPS && System.nanoTime() < deadline) {
                if (freeCount > 0) {
                    while (freeCount > 0) {
                        GuestAddress a = free[--freeCount];
                        byId.put(h.add(InputHarness.EVQ, new GuestAddress[] {a}, new int[] {8}, new boolean[] {true}), a);
                    }
                    h.driver.kick(InputHarness.EVQ);
                }
                boolean any = false;
                while (h.q(InputHarness.EVQ).pollUsed()) {
                    any = true;
                    GuestAddress a = byId.remove(h.q(InputHarness.EVQ).usedId());
                    int[] ev = h.readEvent(a);
                    int action = received / 2;
                    if (received % 2 == 0) {
                        assertEquals(InputSpec.EV_KEY, ev[0], "event " + received);
                        assertEquals(codes[(action / 2) % codes.length], ev[1], "event " + received);
                        assertEquals(action % 2 == 0 ? 1 : 0, ev[2], "event " + received);
                    } else {
                        assertEquals(InputSpec.EV_SYN, ev[0], "event " + received);
                    }
                    received++;
                    free[freeCount++] = a;
                }
                if (!any) {
                    Thread.onSpinWait();
                }
            }
            injector.join(TimeUnit.SECONDS.toMillis(20));
            assertNull(error.get());
            assertEquals(4 * TAPS, received, "events received before the deadline");
            assertEquals(0, d.metrics().eventsDropped());
            assertEquals(4L * TAPS, d.metrics().eventsDelivered());
            assertTrue((h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET) == 0);
        }
    }
}
