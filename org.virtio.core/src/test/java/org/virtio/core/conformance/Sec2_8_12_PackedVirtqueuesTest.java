package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.virtio.core.conformance.ConformanceRig.FEAT_PACKED;
import static org.virtio.core.driver.PackedQueueDriver.F_NEXT;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.virtio.core.conformance.ConformanceRig.Used;
import org.virtio.core.driver.PackedQueueDriver;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/** VIRTIO 1.3 §2.8.12 Device Requirements: Virtqueues (packed ring). */
@DisplayName("2.8.12 Packed virtqueue: processing and completion order")
class Sec2_8_12_PackedVirtqueuesTest {
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, 8).mode(ScriptedDevice.Mode.MANUAL));
        rig.initOrFail(FEAT_PACKED, 8);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @Test
    @DisplayName("2.8.12 DEV-2.8.12-1: driver descriptors are processed in ring order (ids need not be ordered)")
    void sec2_8_12_1_processesInRingOrder() {
        PackedQueueDriver p = rig.packed(0);
        int avail = p.currentAvailFlags();
        long a = rig.alloc(4, 16);
        // Ring order: id 9 at slot 0, id 4 over slots 1-2, id 7 at slot 3. Heads written last.
        p.writeRaw(3, a, 4, 7, avail);
        p.writeRaw(2, a, 4, 4, avail);
        p.writeRaw(1, a, 4, 99, avail | F_NEXT);
        p.writeRaw(0, a, 4, 9, avail);
        VirtQueue q = rig.vq(0);
        List<Integer> ids = new ArrayList<>();
        DescriptorChain c;
        while ((c = q.pop()) != null) {
            ids.add(c.id());
            q.add(c, 0);
        }
        assertEquals(List.of(9, 4, 7), ids);
    }

    @Test
    @DisplayName("2.8.12 DEV-2.8.12-2: used descriptors are written in completion order")
    void sec2_8_12_2_writesInCompletionOrder() {
        rig.device.mode(ScriptedDevice.Mode.HOLD);
        int[] ids = new int[4];
        for (int i = 0; i < 4; i++) {
            ids[i] = rig.add(0, new int[] {4}, new int[] {4}, false);
        }
        rig.kick(0);
        List<DescriptorChain> held = rig.device.held;
        assertEquals(4, held.size());
        VirtQueue q = rig.vq(0);
        int[] order = {2, 0, 3, 1};
        List<Used> expected = new ArrayList<>();
        for (int k : order) {
            q.add(held.get(k), k + 1);
            q.flush();
            expected.add(new Used(ids[k], k + 1));
        }
        assertEquals(expected, rig.drain(0));
    }

    @Test
    @DisplayName("2.8.12 DEV-2.8.12-2: the same with completions batched between flushes")
    void sec2_8_12_2_completionOrderWithBatches() {
        rig.device.mode(ScriptedDevice.Mode.HOLD);
        int[] ids = new int[4];
        for (int i = 0; i < 4; i++) {
            ids[i] = rig.add(0, new int[] {4}, new int[] {}, false);
        }
        rig.kick(0);
        List<DescriptorChain> held = List.copyOf(rig.device.held);
        VirtQueue q = rig.vq(0);
        q.add(held.get(3), 0);
        q.add(held.get(1), 0);
        q.flush();
        q.add(held.get(0), 0);
        q.add(held.get(2), 0);
        q.flush();
        List<Integer> got = rig.drain(0).stream().map(Used::id).toList();
        assertEquals(List.of(ids[3], ids[1], ids[0], ids[2]), got);
        assertNotNull(q.state());
    }
}
