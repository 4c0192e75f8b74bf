package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.FEAT_INDIRECT;
import static org.virtio.core.conformance.ConformanceRig.FEAT_PACKED;
import static org.virtio.core.driver.PackedQueueDriver.F_AVAIL;
import static org.virtio.core.driver.PackedQueueDriver.F_USED;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.conformance.ConformanceRig.Used;
import org.virtio.core.driver.PackedQueueDriver;
import org.virtio.core.queue.DescriptorChain;

/** VIRTIO 1.3 §2.8.1 Driver and Device Ring Wrap Counters (packed ring; descriptive, no device block). */
@DisplayName("2.8.1 Packed virtqueue: ring wrap counters")
class Sec2_8_1_RingWrapCountersTest {

    private static int usedFlags(boolean wrap) {
        return wrap ? F_AVAIL | F_USED : 0;
    }

    @ParameterizedTest(name = "queue size {0}")
    @ValueSource(ints = {1, 3, 4, 5, 8})
    @DisplayName("2.8.1 over many wraps: used descriptors carry AVAIL = USED = the device wrap counter")
    void sec2_8_1_wrapCountersOverSeveralWraps(int size) {
        try (ConformanceRig rig = ConformanceRig.create(1, 8)) {
            rig.initOrFail(FEAT_PACKED | FEAT_INDIRECT, size);
            PackedQueueDriver p = rig.packed(0);
            Random rnd = new Random(size);
            boolean deviceWrap = true;
            int usedPos = 0;
            int wraps = 0;
            for (int i = 0; i < 12 * size; i++) {
                int n = 1 + rnd.nextInt(Math.min(3, size));
                boolean indirect = rnd.nextInt(4) == 0;
                int readable = rnd.nextInt(n + 1);
                int[] r = new int[readable];
                int[] w = new int[n - readable];
                java.util.Arrays.fill(r, 1 + rnd.nextInt(16));
                java.util.Arrays.fill(w, 1 + rnd.nextInt(16));
                long rb = (long) readable * (r.length > 0 ? r[0] : 0);
                long wb = (long) w.length * (w.length > 0 ? w[0] : 0);
                int id = rig.add(0, r, w, indirect);
                assertTrue(id >= 0);
                rig.kick(0);
                int expectLen = (int) (rb > 0 ? Math.min(rb, wb) : wb);
                assertEquals(List.of(new Used(id, expectLen)), rig.drain(0), "chain " + i);
                assertEquals(usedFlags(deviceWrap), rig.packedSlot(0, usedPos)[3] & (F_AVAIL | F_USED),
                        "flags of used descriptor " + i + " at " + usedPos);
                usedPos += indirect ? 1 : n;
                if (usedPos >= size) {
                    usedPos -= size;
                    deviceWrap = !deviceWrap;
                    wraps++;
                }
            }
            assertTrue(wraps >= 3, "wrapped " + wraps + " times");
            assertFalse(rig.vq(0).isBroken());
            assertEquals(usedPos, rig.vq(0).state().nextUsed());
            assertEquals(deviceWrap, rig.vq(0).state().usedWrap());
        }
    }

    @Test
    @DisplayName("2.8.1 / 2.8.6 a list that crosses the ring end is read in order across the wrap")
    void sec2_8_1_listAcrossRingEnd() {
        try (ConformanceRig rig = ConformanceRig.create(new ScriptedDevice(1, 8).mode(ScriptedDevice.Mode.MANUAL))) {
            rig.initOrFail(FEAT_PACKED, 5);
            for (int i = 0; i < 3; i++) {
                rig.add(0, new int[] {4}, new int[] {}, false);
                rig.vq(0).complete(rig.vq(0).pop(), 0);
            }
            assertEquals(3, rig.drain(0).size());
            int id = rig.add(0, new int[] {4}, new int[] {4, 4}, false); // slots 3, 4, 0
            long[] addrs = rig.lastAddrs.clone();
            DescriptorChain c = rig.vq(0).pop();
            assertNotNull(c, () -> "rejected: " + rig.vq(0).error());
            assertEquals(3, c.bufferCount());
            for (int i = 0; i < 3; i++) {
                assertEquals(addrs[i], c.address(i));
            }
            rig.vq(0).complete(c, 8);
            assertEquals(usedFlags(true), rig.packedSlot(0, 3)[3] & (F_AVAIL | F_USED), "written in the first lap");
            assertEquals(List.of(new Used(id, 8)), rig.drain(0));
            // The device is now at position 1 in the second lap (wrap counter 0).
            assertEquals(1, rig.vq(0).state().nextUsed());
            assertFalse(rig.vq(0).state().usedWrap());
            int id2 = rig.add(0, new int[] {4}, new int[] {}, false);
            rig.vq(0).complete(rig.vq(0).pop(), 0);
            assertEquals(usedFlags(false), rig.packedSlot(0, 1)[3] & (F_AVAIL | F_USED));
            assertEquals(List.of(new Used(id2, 0)), rig.drain(0));
        }
    }

    @Test
    @DisplayName("2.8.1 descriptors left from the previous lap are not available in the next one")
    void sec2_8_1_previousLapIsNotAvailable() {
        try (ConformanceRig rig = ConformanceRig.create(new ScriptedDevice(1, 8).mode(ScriptedDevice.Mode.CONSUME))) {
            rig.initOrFail(FEAT_PACKED, 4);
            for (int i = 0; i < 4; i++) {
                rig.add(0, new int[] {4}, new int[] {}, false);
                rig.kick(0);
            }
            assertEquals(4, rig.drain(0).size());
            // Every slot now holds a used descriptor of lap 1; in lap 2 none of them is available.
            rig.device.mode(ScriptedDevice.Mode.MANUAL);
            assertNull(rig.vq(0).pop());
            assertFalse(rig.vq(0).enableNotifications());
            assertFalse(rig.vq(0).isBroken());
        }
    }
}
