package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.FEAT_EVENT_IDX;
import static org.virtio.core.conformance.ConformanceRig.FEAT_PACKED;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.driver.PackedQueueDriver;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/**
 * VIRTIO 1.3 §2.8.10 Driver and Device Event Suppression and §2.8.14 Event Suppression Structure Format
 * (packed ring; descriptive text, no device block).
 */
@DisplayName("2.8.10 Packed virtqueue: event suppression")
class Sec2_8_10_EventSuppressionTest {
    private static final int ENABLE = 0;
    private static final int DISABLE = 1;
    private static final int DESC = 2;
    private ConformanceRig rig;
    private long buf;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, 8).mode(ScriptedDevice.Mode.MANUAL));
        buf = rig.alloc(16, 16);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    /** Makes n single-descriptor lists available, pops and adds them all, flushes once. @return interrupts sent */
    private int batch(int n) {
        PackedQueueDriver p = rig.packed(0);
        VirtQueue q = rig.vq(0);
        for (int i = 0; i < n; i++) {
            assertTrue(p.add(new long[] {buf}, new int[] {16}, new boolean[] {true}, 1, false) >= 0, "ring full");
        }
        for (int i = 0; i < n; i++) {
            DescriptorChain c = q.pop();
            assertNotNull(c, () -> "pop: " + q.error());
            q.add(c, 1);
        }
        int before = rig.driver.usedInterrupts(0);
        q.flush();
        int sent = rig.driver.usedInterrupts(0) - before;
        while (p.pollUsed()) {
            // free the ids; pollUsed does not touch the driver event structure
        }
        return sent;
    }

    @Test
    @DisplayName("2.8.10 driver flags ENABLE: a used buffer notification after every flush")
    void sec2_8_10_driverEnable() {
        rig.initOrFail(FEAT_PACKED, 8);
        rig.packed(0).writeDriverEvent(0, ENABLE);
        assertEquals(1, batch(1));
        assertEquals(1, batch(3));
    }

    @ParameterizedTest(name = "EVENT_IDX={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("2.8.10 driver flags DISABLE: no used buffer notifications, the buffers are still used")
    void sec2_8_10_driverDisable(boolean eventIdx) {
        rig.initOrFail(FEAT_PACKED | (eventIdx ? FEAT_EVENT_IDX : 0), 8);
        rig.packed(0).writeDriverEvent(0, DISABLE);
        assertEquals(0, batch(1));
        assertEquals(0, batch(5));
        assertEquals(6 % 8, rig.vq(0).state().nextUsed());
    }

    @ParameterizedTest(name = "event at descriptor {0}")
    @ValueSource(ints = {0, 2, 5})
    @DisplayName("2.8.10 driver flags DESC (EVENT_IDX): notify exactly when the named descriptor is used")
    void sec2_8_10_driverDescOneByOne(int off) {
        rig.initOrFail(FEAT_PACKED | FEAT_EVENT_IDX, 8);
        rig.packed(0).writeDriverEvent(off | 0x8000, DESC);
        List<Integer> got = new ArrayList<>();
        List<Integer> want = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            got.add(batch(1));
            want.add(k == off ? 1 : 0);
        }
        assertEquals(want, got);
    }

    @Test
    @DisplayName("2.8.10 driver flags DESC: the wrap bit names a descriptor in the next lap")
    void sec2_8_10_driverDescNextLap() {
        rig.initOrFail(FEAT_PACKED | FEAT_EVENT_IDX, 4);
        rig.packed(0).writeDriverEvent(1, DESC); // slot 1, wrap counter 0: the second lap
        List<Integer> got = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            got.add(batch(1));
        }
        assertEquals(List.of(0, 0, 0, 0, 0, 1, 0, 0), got);
    }

    @ParameterizedTest(name = "event slot {0} wrap {1} -> {2}")
    @CsvSource({"3,1,1", "0,0,1", "2,1,1", "1,0,0", "1,1,0"})
    @DisplayName("2.8.10 driver flags DESC: a batch that crosses the ring end notifies iff it covers the event")
    void sec2_8_10_driverDescBatchAcrossWrap(int slot, int wrap, int expected) {
        rig.initOrFail(FEAT_PACKED | FEAT_EVENT_IDX, 4);
        rig.packed(0).writeDriverEvent(0, DISABLE);
        assertEquals(0, batch(2)); // now at slot 2 of lap 1
        rig.packed(0).writeDriverEvent(slot | (wrap << 15), DESC);
        assertEquals(expected, batch(3), "batch uses slots 2, 3 (lap 1) and 0 (lap 2)");
    }

    @Test
    @DisplayName("2.8.10 DESC without EVENT_IDX is reserved: the device does not lose the notification")
    void sec2_8_10_descWithoutEventIdx() {
        rig.initOrFail(FEAT_PACKED, 8);
        rig.packed(0).writeDriverEvent(7, DESC);
        assertEquals(1, batch(1));
    }

    @Test
    @DisplayName("2.8.10 device event suppression without EVENT_IDX: DISABLE and ENABLE")
    void sec2_8_10_deviceEnableDisable() {
        rig.initOrFail(FEAT_PACKED, 8);
        PackedQueueDriver p = rig.packed(0);
        VirtQueue q = rig.vq(0);
        q.disableNotifications();
        assertEquals(DISABLE, p.deviceEventFlags());
        rig.addSimple(0);
        assertFalse(p.kickNeeded());
        assertTrue(q.enableNotifications(), "the buffer added meanwhile is reported");
        assertEquals(ENABLE, p.deviceEventFlags());
        rig.addSimple(0);
        assertTrue(p.kickNeeded());
    }

    @Test
    @DisplayName("2.8.10 device event suppression with EVENT_IDX: DESC naming the next descriptor, wrap bit included")
    void sec2_8_10_deviceDescWithWrap() {
        rig.initOrFail(FEAT_PACKED | FEAT_EVENT_IDX, 4);
        PackedQueueDriver p = rig.packed(0);
        VirtQueue q = rig.vq(0);
        for (int k = 1; k <= 6; k++) {
            rig.add(0, new int[] {4}, new int[] {}, false);
            q.complete(q.pop(), 0);
            rig.drain(0);
            assertEquals(DESC, p.deviceEventFlags());
            int pos = k % 4;
            boolean wrap = (k / 4) % 2 == 0;
            assertEquals(pos | (wrap ? 0x8000 : 0), p.deviceEventOffWrap(), "after list " + k);
        }
        p.kickNeeded();
        rig.add(0, new int[] {4}, new int[] {}, false);
        assertTrue(p.kickNeeded(), "the descriptor the device asked for");
        rig.add(0, new int[] {4}, new int[] {}, false);
        assertFalse(p.kickNeeded(), "the device has not caught up yet");
    }
}
