package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.FEAT_IN_ORDER;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.virtio.core.conformance.ConformanceRig.Used;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.VirtQueue;

/**
 * VIRTIO 1.3 §2.7.9 (split) and §2.8.8 (packed) In-order use of descriptors: with VIRTIO_F_IN_ORDER the
 * device uses buffers in the order they were made available. A device that completes requests out of
 * order is still published in order by the core.
 */
@DisplayName("2.7.9 / 2.8.8 VIRTIO_F_IN_ORDER")
class Sec2_7_9_InOrderTest {
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, 8).mode(ScriptedDevice.Mode.HOLD));
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    private int[] popFour(QueueFormat format, long extra) {
        rig.initOrFail(ConformanceRig.ringFeature(format) | extra, format == QueueFormat.PACKED ? 5 : 8);
        int[] ids = new int[4];
        for (int i = 0; i < 4; i++) {
            ids[i] = rig.add(0, new int[] {}, new int[] {8}, false); // one descriptor each: 4 fit in 5
        }
        rig.kick(0);
        assertEquals(4, rig.device.held.size());
        return ids;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("2.7.9 / 2.8.8 completed out of order (3, 1, 0, 2), published in order")
    void sec2_7_9_outOfOrderCompletionPublishedInOrder(QueueFormat format) {
        int[] ids = popFour(format, FEAT_IN_ORDER);
        List<DescriptorChain> held = List.copyOf(rig.device.held);
        VirtQueue q = rig.vq(0);
        int interrupts = rig.driver.usedInterrupts(0);

        q.add(held.get(3), 4);
        q.flush();
        assertEquals(List.of(), rig.drain(0), "3 waits for 0, 1, 2");
        q.add(held.get(1), 2);
        q.flush();
        assertEquals(List.of(), rig.drain(0));
        assertEquals(interrupts, rig.driver.usedInterrupts(0), "nothing published, nothing notified");
        q.add(held.get(0), 1);
        q.flush();
        assertEquals(List.of(new Used(ids[0], 1), new Used(ids[1], 2)), rig.drain(0));
        q.add(held.get(2), 3);
        q.flush();
        assertEquals(List.of(new Used(ids[2], 3), new Used(ids[3], 4)), rig.drain(0));
        assertEquals(0, q.inFlight());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("2.7.9 / 2.8.8 out-of-order completions in one batch: one flush, in order, one notification")
    void sec2_7_9_outOfOrderBatch(QueueFormat format) {
        int[] ids = popFour(format, FEAT_IN_ORDER);
        List<DescriptorChain> held = List.copyOf(rig.device.held);
        VirtQueue q = rig.vq(0);
        int interrupts = rig.driver.usedInterrupts(0);
        for (int k : new int[] {2, 3, 1, 0}) {
            q.add(held.get(k), k);
        }
        q.flush();
        assertEquals(interrupts + 1, rig.driver.usedInterrupts(0));
        List<Used> want = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            want.add(new Used(ids[k], k));
        }
        assertEquals(want, rig.drain(0));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("2.6 / 2.8.12 without IN_ORDER, buffers are published in completion order")
    void sec2_7_9_withoutInOrderCompletionOrderIsKept(QueueFormat format) {
        int[] ids = popFour(format, 0);
        List<DescriptorChain> held = List.copyOf(rig.device.held);
        VirtQueue q = rig.vq(0);
        List<Used> want = new ArrayList<>();
        for (int k : new int[] {3, 1, 0, 2}) {
            q.add(held.get(k), k);
            q.flush();
            want.add(new Used(ids[k], k));
        }
        assertEquals(want, rig.drain(0));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("2.7.9 / 2.8.8 random completion orders over many wraps stay in order (seeded)")
    void sec2_7_9_randomPermutationsOverWraps(QueueFormat format) {
        int size = format == QueueFormat.PACKED ? 5 : 4;
        rig.initOrFail(ConformanceRig.ringFeature(format) | FEAT_IN_ORDER, size);
        Random rnd = new Random(0x1D0);
        VirtQueue q = rig.vq(0);
        int published = 0;
        for (int round = 0; round < 40; round++) {
            int n = 1 + rnd.nextInt(size);
            List<Integer> added = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = rig.add(0, new int[] {}, new int[] {4}, false);
                assertTrue(id >= 0);
                added.add(id);
            }
            rig.kick(0);
            List<DescriptorChain> held = new ArrayList<>(rig.device.held);
            rig.device.held.clear();
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < held.size(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, rnd);
            for (int k : order) {
                q.add(held.get(k), 1 + k % 4);
                if (rnd.nextBoolean()) {
                    q.flush();
                }
            }
            q.flush();
            List<Used> used = rig.drain(0);
            assertEquals(added, used.stream().map(Used::id).toList(), "round " + round);
            for (int i = 0; i < used.size(); i++) {
                assertEquals(1 + i % 4, used.get(i).len(), "the length travels with its chain");
            }
            published += used.size();
        }
        assertTrue(published > 4 * size, "several wraps: " + published);
    }

    @org.junit.jupiter.api.Test
    @DisplayName("2.8.8 regression: IN_ORDER still holds when the pop counter passes 2^31 on a ring of size 5")
    void sec2_8_8_sequenceCounterWrapOnNonPowerOfTwoRing() throws ReflectiveOperationException {
        rig.initOrFail(ConformanceRig.FEAT_PACKED | FEAT_IN_ORDER, 5);
        VirtQueue q = rig.vq(0);
        // White box: 2^31 pops take too long for a unit test, so start the queue's IN_ORDER counters just
        // below the int overflow. A ring of 5 slots does not divide 2^32, so an int counter taken modulo 5
        // jumps at the overflow (MAX_VALUE and MIN_VALUE both map to slot 2).
        Class<?> base = Class.forName("org.virtio.core.internal.queue.AbstractVirtQueue");
        for (String name : new String[] {"popSequence", "publishSequence"}) {
            java.lang.reflect.Field f = base.getDeclaredField(name);
            f.setAccessible(true);
            f.setInt(q, Integer.MAX_VALUE - 1);
        }
        for (int round = 0; round < 3; round++) {
            int[] ids = new int[4];
            for (int i = 0; i < 4; i++) {
                ids[i] = rig.add(0, new int[] {}, new int[] {8}, false);
            }
            rig.kick(0);
            List<DescriptorChain> held = new ArrayList<>(rig.device.held);
            rig.device.held.clear();
            assertEquals(4, held.size());
            // Chain 2 (sequence MIN_VALUE in round 0) completes before chain 1 (MAX_VALUE): both park at once.
            for (int k : new int[] {2, 1, 3, 0}) {
                q.add(held.get(k), k + 1);
            }
            q.flush();
            List<Used> want = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                want.add(new Used(ids[k], k + 1));
            }
            assertEquals(want, rig.drain(0), "round " + round);
            assertEquals(0, q.inFlight());
        }
    }
}
