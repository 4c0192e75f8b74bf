package org.virtio.device.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.DeviceType;
import org.virtio.core.memory.GuestAddress;
import org.virtio.device.input.api.KeyCodes;

/** virtio-input keyboard driven through the core's simulated driver (VirtIO 1.3 §5.8). */
class InputDeviceTest {
    private static final int EVQ = InputHarness.EVQ;
    private static final int STQ = InputHarness.STQ;
    private static final int KEY_A = KeyCodes.KEY_A;

    private static InputDevice keyboard(int queueEvents) {
        return new InputDevice("kbd".getBytes(), new byte[0], queueEvents, null);
    }

    /** Reaps every used eventq buffer. @return the events, as {type, code, value} */
    private static List<int[]> reap(InputHarness h, Map<Integer, GuestAddress> byId) {
        List<int[]> events = new ArrayList<>();
        while (h.q(EVQ).pollUsed()) {
            assertEquals(8, h.q(EVQ).usedLength());
            events.add(h.readEvent(byId.remove(h.q(EVQ).usedId())));
        }
        return events;
    }

    private static void assertKey(int[] keyEvent, int[] syn, int code, int value) {
        assertArrayEquals(new int[] {InputSpec.EV_KEY, code, value}, keyEvent);
        assertArrayEquals(new int[] {InputSpec.EV_SYN, InputSpec.SYN_REPORT, 0}, syn);
    }

    @Test
    void s5_8_deviceShape() {
        InputDevice d = keyboard(16);
        assertEquals(DeviceType.INPUT, d.deviceType());
        assertEquals(18, d.deviceType());
        assertEquals(0, d.deviceFeatures());
        assertEquals(2, d.queueCount());
        assertEquals(256, d.maxQueueSize(EVQ));
        assertEquals(256, d.maxQueueSize(STQ));
        assertThrows(IndexOutOfBoundsException.class, () -> d.maxQueueSize(2));
        assertFalse(d.ready());
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            assertTrue(d.ready());
            h.host.setStatus(0);
            assertFalse(d.ready());
        }
    }

    @Test
    void s5_8_6_pressAndReleaseEachFollowedBySynReport() {
        for (long features : new long[] {InputHarness.SPLIT, InputHarness.PACKED}) {
            InputDevice d = keyboard(16);
            try (InputHarness h = new InputHarness(d, features)) {
                Map<Integer, GuestAddress> bufs = h.postEventBuffers(8);
                assertTrue(d.press(KEY_A));
                assertTrue(d.release(KEY_A));
                List<int[]> ev = reap(h, bufs);
                assertEquals(4, ev.size());
                assertKey(ev.get(0), ev.get(1), KEY_A, 1);
                assertKey(ev.get(2), ev.get(3), KEY_A, 0);
                assertEquals(4, d.metrics().eventsDelivered());
                assertTrue(h.driver.usedInterrupts(EVQ) >= 1, "no used buffer notification");
            }
        }
    }

    @Test
    void s5_8_6_eventsWithoutBuffersWaitThenArriveInOrder() {
        InputDevice d = keyboard(16);
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            assertTrue(d.tap(KeyCodes.KEY_ENTER));
            assertTrue(d.tap(KeyCodes.KEY_SPACE));
            assertEquals(8, d.pendingEvents());
            assertEquals(0, d.metrics().eventsDelivered());
            Map<Integer, GuestAddress> bufs = h.postEventBuffers(3); // fewer buffers than events
            List<int[]> ev = reap(h, bufs);
            assertEquals(3, ev.size());
            assertEquals(5, d.pendingEvents());
            bufs.putAll(h.postEventBuffers(10));
            ev.addAll(reap(h, bufs));
            assertEquals(8, ev.size());
            assertKey(ev.get(0), ev.get(1), KeyCodes.KEY_ENTER, 1);
            assertKey(ev.get(2), ev.get(3), KeyCodes.KEY_ENTER, 0);
            assertKey(ev.get(4), ev.get(5), KeyCodes.KEY_SPACE, 1);
            assertKey(ev.get(6), ev.get(7), KeyCodes.KEY_SPACE, 0);
            assertEquals(0, d.pendingEvents());
        }
    }

    @Test
    void typeUsesShiftForCapitalsAndSymbols() {
        InputDevice d = keyboard(64);
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            Map<Integer, GuestAddress> bufs = h.postEventBuffers(60);
            assertEquals(4, d.type("Hi!\n"));
            List<int[]> ev = reap(h, bufs);
            int shift = KeyCodes.KEY_LEFTSHIFT;
            int[][] keys = { // (code, value) of every EV_KEY, each followed by a SYN_REPORT
                {shift, 1}, {KeyCodes.code("H"), 1}, {KeyCodes.code("H"), 0}, {shift, 0},
                {KeyCodes.code("I"), 1}, {KeyCodes.code("I"), 0},
                {shift, 1}, {KeyCodes.code("1"), 1}, {KeyCodes.code("1"), 0}, {shift, 0},
                {KeyCodes.KEY_ENTER, 1}, {KeyCodes.KEY_ENTER, 0}};
            assertEquals(keys.length * 2, ev.size());
            for (int i = 0; i < keys.length; i++) {
                assertKey(ev.get(2 * i), ev.get(2 * i + 1), keys[i][0], keys[i][1]);
            }
        }
    }

    @Test
    void typeRejectsUntypableTextBeforeSendingAnything() {
        InputDevice d = keyboard(64);
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.type("ok\u00e9"));
            assertTrue(e.getMessage().contains("U+00E9") && e.getMessage().contains("index 2"), e.getMessage());
            assertEquals(0, d.pendingEvents());
            assertThrows(IllegalArgumentException.class, () -> d.press(0));
            assertThrows(IllegalArgumentException.class, () -> d.press(84));
            assertThrows(IllegalArgumentException.class, () -> d.release(128));
        }
    }

    @Test
    void s5_8_6_1_overflowDropsWholeActionsAtTheBound() {
        InputDevice d = keyboard(4);
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            int[] keys = {KeyCodes.code("A"), KeyCodes.code("B"), KeyCodes.code("C"), KeyCodes.code("D"), KeyCodes.code("E")};
            for (int i = 0; i < 4; i++) {
                assertTrue(d.press(keys[i]), "press " + i);
            }
            assertFalse(d.press(keys[4]), "the fifth action exceeds the bound of 4");
            assertFalse(d.tap(keys[4]));
            assertEquals(8, d.pendingEvents());
            assertEquals(4, d.metrics().eventsDropped(), "two actions of two events each");
            // Releases of keys that are down are accepted beyond the bound: no key stays stuck.
            for (int i = 0; i < 4; i++) {
                assertTrue(d.release(keys[i]), "release " + i);
            }
            assertFalse(d.release(keys[0]), "a second release of the same key is an ordinary action again");
            assertEquals(16, d.pendingEvents());
            Map<Integer, GuestAddress> bufs = h.postEventBuffers(20);
            List<int[]> ev = reap(h, bufs);
            assertEquals(16, ev.size());
            for (int i = 0; i < 4; i++) {
                assertKey(ev.get(2 * i), ev.get(2 * i + 1), keys[i], 1);
                assertKey(ev.get(8 + 2 * i), ev.get(9 + 2 * i), keys[i], 0);
            }
            assertTrue(d.press(keys[4]), "room again once delivered");
            assertEquals(0, h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
        }
    }

    @Test
    void manyEventsNeverGrowThePendingQueueBeyondItsBound() {
        InputDevice d = keyboard(8);
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            int accepted = 0;
            for (int i = 0; i < 10_000; i++) {
                if (d.tap(KEY_A)) {
                    accepted++;
                }
                assertTrue(d.pendingEvents() <= 2 * (8 + 1), "pending " + d.pendingEvents());
            }
            assertEquals(4, accepted, "four taps (eight actions) fit");
            assertEquals(2L * 8, d.metrics().eventsQueued());
            assertTrue(d.metrics().eventsDropped() >= 2L * (10_000 - 4));
        }
    }

    @Test
    void eventsBeforeDriverOkOrAfterResetAreDroppedAndCounted() {
        InputDevice d = keyboard(16);
        assertFalse(d.press(KEY_A));
        assertEquals(2, d.metrics().eventsDroppedNotReady());
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            assertTrue(d.press(KEY_A)); // pending: no buffers yet
            h.host.setStatus(0);
            assertEquals(0, d.pendingEvents(), "reset drops pending events");
            assertEquals(4, d.metrics().eventsDroppedNotReady());
            assertFalse(d.release(KEY_A));
            assertTrue(h.driver.initialize(InputHarness.SPLIT, 64));
            Map<Integer, GuestAddress> bufs = h.postEventBuffers(4);
            assertTrue(d.release(KEY_A));
            assertEquals(2, reap(h, bufs).size());
        }
    }

    @Test
    void s5_8_6_statusqLedEventsAreConsumedAndCounted() {
        InputDevice d = keyboard(16);
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            assertEquals(0, h.sendStatus(InputSpec.EV_LED, InputSpec.LED_CAPSL, 1));
            assertEquals(0b010, d.leds());
            assertEquals(0, h.sendStatus(InputSpec.EV_LED, InputSpec.LED_NUML, 1));
            assertEquals(0, h.sendStatus(InputSpec.EV_SYN, InputSpec.SYN_REPORT, 0));
            assertEquals(0b011, d.leds());
            assertEquals(0, h.sendStatus(InputSpec.EV_LED, InputSpec.LED_CAPSL, 0));
            assertEquals(0b001, d.leds());
            assertEquals(0, h.sendStatus(InputSpec.EV_REP, InputSpec.REP_DELAY, 250));
            assertEquals(0, h.sendStatus(InputSpec.EV_LED, 200, 1), "an LED code beyond 31 is counted, not tracked");
            assertEquals(6, d.metrics().statusEvents());
            assertEquals(4, d.metrics().ledEvents());
            assertEquals(0, d.metrics().malformedChains());
            h.host.setStatus(0);
            assertEquals(0, d.leds(), "reset forgets the LEDs");
        }
    }

    @Test
    void s5_8_6_statusEventSplitOverDescriptorsParses() {
        InputDevice d = keyboard(16);
        try (InputHarness h = new InputHarness(d, InputHarness.PACKED)) {
            byte[] ev = InputHarness.event(InputSpec.EV_LED, InputSpec.LED_SCROLLL, 1);
            GuestAddress a = h.buffer(3);
            GuestAddress b = h.buffer(5);
            h.write(a, java.util.Arrays.copyOfRange(ev, 0, 3));
            h.write(b, java.util.Arrays.copyOfRange(ev, 3, 8));
            h.add(STQ, new GuestAddress[] {a, b}, new int[] {3, 5}, new boolean[] {false, false});
            h.driver.kick(STQ);
            assertEquals(0, h.usedLength(STQ));
            assertEquals(0b100, d.leds());
        }
    }

    @Test
    void malformedStatusChainsAreReturnedUnusedAndCounted() {
        InputDevice d = keyboard(16);
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            byte[] led = InputHarness.event(InputSpec.EV_LED, InputSpec.LED_CAPSL, 1);
            // Too short: 4 readable bytes.
            GuestAddress s = h.buffer(4);
            h.write(s, java.util.Arrays.copyOf(led, 4));
            h.add(STQ, new GuestAddress[] {s}, new int[] {4}, new boolean[] {false});
            // Too long: two events in one buffer.
            GuestAddress l = h.buffer(16);
            h.write(l, led);
            h.add(STQ, new GuestAddress[] {l}, new int[] {16}, new boolean[] {false});
            // Wrong direction: device-writable.
            GuestAddress w = h.buffer(8);
            h.write(w, led);
            h.add(STQ, new GuestAddress[] {w}, new int[] {8}, new boolean[] {true});
            // Readable event plus a writable tail.
            GuestAddress r = h.buffer(8);
            h.write(r, led);
            h.add(STQ, new GuestAddress[] {r, h.buffer(8)}, new int[] {8, 8}, new boolean[] {false, true});
            h.driver.kick(STQ);
            for (int i = 0; i < 4; i++) {
                assertEquals(0, h.usedLength(STQ), "chain " + i);
            }
            assertEquals(4, d.metrics().malformedChains());
            assertEquals(0, d.metrics().statusEvents());
            assertEquals(0, d.leds(), "no malformed chain may change the LEDs");
            assertEquals(0, h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
            // The device keeps serving.
            assertEquals(0, h.sendStatus(InputSpec.EV_LED, InputSpec.LED_CAPSL, 1));
            assertEquals(0b010, d.leds());
        }
    }

    @Test
    void malformedEventBuffersAreReturnedUnusedAndTheNextOnesServe() {
        InputDevice d = keyboard(16);
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            GuestAddress small = h.buffer(4);
            int smallId = h.add(EVQ, new GuestAddress[] {small}, new int[] {4}, new boolean[] {true});
            GuestAddress ro = h.buffer(8);
            int roId = h.add(EVQ, new GuestAddress[] {ro}, new int[] {8}, new boolean[] {false});
            GuestAddress mixed = h.buffer(8);
            int mixedId = h.add(EVQ, new GuestAddress[] {h.buffer(8), mixed}, new int[] {8, 8}, new boolean[] {false, true});
            h.driver.kick(EVQ);
            java.util.Set<Integer> unused = new java.util.HashSet<>(List.of(smallId, roId, mixedId));
            for (int i = 0; i < 3; i++) {
                assertTrue(h.q(EVQ).pollUsed());
                assertEquals(0, h.q(EVQ).usedLength());
                assertTrue(unused.remove(h.q(EVQ).usedId()));
            }
            assertEquals(3, d.metrics().malformedChains());
            assertArrayEquals(new byte[4], h.read(small, 4), "nothing written into a too-small buffer");
            // A large buffer gets exactly one event.
            GuestAddress big = h.buffer(64);
            int bigId = h.add(EVQ, new GuestAddress[] {big}, new int[] {64}, new boolean[] {true});
            h.driver.kick(EVQ);
            assertTrue(d.press(KEY_A));
            assertTrue(h.q(EVQ).pollUsed());
            assertEquals(bigId, h.q(EVQ).usedId());
            assertEquals(8, h.q(EVQ).usedLength());
            assertArrayEquals(new int[] {InputSpec.EV_KEY, KEY_A, 1}, h.readEvent(big));
            assertEquals(0, h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
        }
    }

    @Test
    void quiesceCompletesHeldBuffersWithALoneSynReport() {
        InputDevice d = keyboard(16);
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            Map<Integer, GuestAddress> bufs = h.postEventBuffers(3);
            h.host.quiesce();
            List<int[]> ev = reap(h, bufs);
            assertEquals(3, ev.size());
            for (int[] e : ev) {
                assertArrayEquals(new int[] {InputSpec.EV_SYN, InputSpec.SYN_REPORT, 0}, e);
            }
            assertTrue(d.press(KEY_A), "events are still accepted while quiesced");
            assertEquals(2, d.pendingEvents(), "but held until the driver posts again");
            h.host.resume();
            bufs.putAll(h.postEventBuffers(2));
            assertEquals(2, reap(h, bufs).size());
        }
    }

    @Test
    void factoryDeviceIsAKeyboardInput() {
        Object d = new InputDeviceFactory(InputSettings.DEFAULTS).create(Map.of());
        assertTrue(d instanceof org.virtio.device.input.api.KeyboardInput);
    }
}
