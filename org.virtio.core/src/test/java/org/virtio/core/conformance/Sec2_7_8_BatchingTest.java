package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.FEAT_EVENT_IDX;

import java.util.ArrayList;
import java.util.List;

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
 * VIRTIO 1.3 §2.7.8 (split used ring idx) and §2.8.6 / §2.8.21 (packed used descriptors): a device may pop
 * many chains and publish them with one used-index store (split) or one head-flag store (packed), then
 * send at most one notification.
 */
@DisplayName("2.7.8 / 2.8.6 Batching: many pops, one publication, one notification")
class Sec2_7_8_BatchingTest {
    private static final int N = 6;
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, 8).mode(ScriptedDevice.Mode.HOLD));
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    /** @return the driver's view: how many used buffers it can see right now, without consuming them */
    private int visible(QueueFormat format) {
        if (format == QueueFormat.SPLIT) {
            return rig.split(0).deviceUsedIdx();
        }
        int n = 0;
        int pos = 0;
        while (n < N && (rig.packedSlot(0, pos)[3] & 0x8080) == 0x8080) {
            n++;
            pos++;
        }
        return n;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("2.7.8 / 2.8.6 nothing is visible to the driver until flush; then all of it, with one notification")
    void sec2_7_8_onePublicationOneNotification(QueueFormat format) {
        rig.initOrFail(ConformanceRig.ringFeature(format), 8);
        int[] ids = new int[N];
        for (int i = 0; i < N; i++) {
            ids[i] = rig.add(0, new int[] {}, new int[] {4}, false);
        }
        rig.kick(0);
        List<DescriptorChain> held = List.copyOf(rig.device.held);
        assertEquals(N, held.size(), "pop many");
        VirtQueue q = rig.vq(0);
        int interrupts = rig.driver.usedInterrupts(0);
        for (int i = 0; i < N; i++) {
            q.add(held.get(i), i % 5);
            assertEquals(0, visible(format), "after add " + i + " the driver sees nothing yet");
        }
        assertEquals(interrupts, rig.driver.usedInterrupts(0));
        q.flush();
        assertEquals(N, visible(format), "one store publishes the batch");
        assertEquals(interrupts + 1, rig.driver.usedInterrupts(0), "one notification for the batch");
        q.flush();
        assertEquals(interrupts + 1, rig.driver.usedInterrupts(0), "an empty flush notifies nobody");
        List<Used> want = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            want.add(new Used(ids[i], i % 5));
        }
        assertEquals(want, rig.drain(0));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("2.7.8 / 2.8.6 the device loop (disable, pop all, flush, enable) sends one notification per pass")
    void sec2_7_8_deviceLoopBatches(QueueFormat format) {
        rig.device.mode(ScriptedDevice.Mode.ECHO);
        rig.initOrFail(ConformanceRig.ringFeature(format) | FEAT_EVENT_IDX, 8);
        for (int i = 0; i < N; i++) {
            rig.add(0, new int[] {}, new int[] {4}, false);
        }
        rig.kick(0);
        assertEquals(N, rig.device.seen.size());
        assertEquals(1, rig.driver.usedInterrupts(0));
        assertEquals(N, rig.drain(0).size());
        assertFalse(rig.device.runaway);
        assertTrue(rig.vq(0).inFlight() == 0);
    }
}
