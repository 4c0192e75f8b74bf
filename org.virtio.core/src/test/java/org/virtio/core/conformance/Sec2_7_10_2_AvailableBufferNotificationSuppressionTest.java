package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.FEAT_EVENT_IDX;
import static org.virtio.core.conformance.ConformanceRig.OK_STATUS;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.VirtQueue;

/** VIRTIO 1.3 §2.7.10.2 Device Requirements: Available Buffer Notification Suppression (split ring). */
@DisplayName("2.7.10.2 Split virtqueue: available buffer notification suppression")
class Sec2_7_10_2_AvailableBufferNotificationSuppressionTest {
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, 8).mode(ScriptedDevice.Mode.MANUAL));
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @Test
    @DisplayName("2.7.10.2 DEV-2.7.10.2-1/-2: without EVENT_IDX the used ring flags are only ever 0 or 1")
    void sec2_7_10_2_1_flagsZeroOrOne() {
        rig.initOrFail(0, 8);
        SplitQueueDriver d = rig.split(0);
        VirtQueue q = rig.vq(0);
        assertEquals(0, d.usedFlags());
        q.disableNotifications();
        assertEquals(1, d.usedFlags(), "VIRTQ_USED_F_NO_NOTIFY");
        rig.addSimple(0);
        q.complete(q.pop(), 0);
        assertEquals(1, d.usedFlags());
        assertFalse(q.enableNotifications());
        assertEquals(0, d.usedFlags());
    }

    @Test
    @DisplayName("2.7.10.2 DEV-2.7.10.2-3: with EVENT_IDX the used ring flags stay 0")
    void sec2_7_10_2_3_flagsZeroWithEventIdx() {
        rig.initOrFail(FEAT_EVENT_IDX, 8);
        SplitQueueDriver d = rig.split(0);
        VirtQueue q = rig.vq(0);
        q.disableNotifications();
        assertEquals(0, d.usedFlags());
        rig.addSimple(0);
        q.complete(q.pop(), 0);
        q.enableNotifications();
        assertEquals(0, d.usedFlags());
    }

    @Test
    @DisplayName("2.7.10.2 DEV-2.7.10.2-4: avail_event asks for a notification at the next entry the device will read")
    void sec2_7_10_2_4_availEvent() {
        rig.initOrFail(FEAT_EVENT_IDX, 8);
        SplitQueueDriver d = rig.split(0);
        VirtQueue q = rig.vq(0);
        rig.addSimple(0);
        assertTrue(d.kickNeeded(), "avail_event 0: entry 0 is worth a notification");
        q.complete(q.pop(), 0);
        assertEquals(1, d.availEvent(), "after popping entry 0 the device asks for entry 1");
        rig.addSimple(0);
        assertTrue(d.kickNeeded(), "entry 1 is the one asked for");
        rig.addSimple(0);
        assertFalse(d.kickNeeded(), "entry 2: the device has not caught up with entry 1 yet");
        q.disableNotifications();
        q.complete(q.pop(), 0);
        assertEquals(1, d.availEvent(), "while disabled, avail_event stays behind");
        rig.addSimple(0);
        assertFalse(d.kickNeeded(), "disabled: entry 3 needs no notification");
        assertTrue(q.enableNotifications(), "entries 2 and 3 are still there: poll again");
        assertEquals(2, d.availEvent());
        q.complete(q.pop(), 0);
        q.complete(q.pop(), 0);
        assertEquals(4, d.availEvent());
        assertEquals(4, rig.drain(0).size(), "entries 0-3 used");
        assertTrue(rig.addSimple(0) >= 0);
        assertTrue(d.kickNeeded(), "entry 4 is the one asked for");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("2.7.10.2 enableNotifications re-checks: a buffer added while disabled is reported")
    void sec2_7_10_2_enableRechecksForRace(QueueFormat format) {
        for (long ev : new long[] {0, FEAT_EVENT_IDX}) {
            rig.initOrFail(ConformanceRig.ringFeature(format) | ev, 8);
            VirtQueue q = rig.vq(0);
            q.disableNotifications();
            assertFalse(q.enableNotifications(), "nothing available");
            q.disableNotifications();
            rig.addSimple(0);
            assertTrue(q.enableNotifications(), "the buffer that slipped in is reported");
            assertNotNull(q.pop());
            assertNull(q.pop());
            assertFalse(q.enableNotifications());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("2.7.10.2 DEV-2.7.10.2-5 / 2.8.16: spurious notifications are handled")
    void sec2_7_10_2_5_spuriousNotifications(QueueFormat format) {
        rig.device.mode(ScriptedDevice.Mode.ECHO);
        rig.initOrFail(ConformanceRig.ringFeature(format), 8);
        for (int i = 0; i < 5; i++) {
            rig.kick(0);
        }
        assertEquals(5, rig.device.notifications[0]);
        assertTrue(rig.device.seen.isEmpty());
        assertEquals(0, rig.driver.usedInterrupts(0), "nothing used, nothing to notify");
        assertFalse(rig.vq(0).isBroken());
        assertEquals(OK_STATUS | DeviceStatus.DRIVER_OK, rig.host.status());
        rig.assertRoundTrip(0);
        rig.kick(0);
        rig.kick(0);
        assertEquals(1, rig.device.seen.size(), "the chain is not consumed twice");
        assertFalse(rig.device.runaway);
    }

    @Test
    @DisplayName("2.7.10.2 DEV-2.7.10.2-5: a notification the device asked not to get is still served")
    void sec2_7_10_2_5_notificationDespiteNoNotify() {
        rig.device.mode(ScriptedDevice.Mode.ECHO);
        rig.initOrFail(0, 8);
        rig.vq(0).disableNotifications();
        assertEquals(1, rig.split(0).usedFlags());
        rig.addSimple(0);
        rig.kick(0);
        assertEquals(1, rig.drain(0).size());
    }

    @ParameterizedTest(name = "queue {0}")
    @ValueSource(ints = {-1, 1, 7, 65535, Integer.MAX_VALUE, Integer.MIN_VALUE})
    @DisplayName("2.9 a notification for a queue that does not exist is ignored")
    void sec2_9_notificationForMissingQueue(int queue) {
        rig.initOrFail(0, 8);
        assertDoesNotThrow(() -> rig.host.notifyQueue(queue));
        assertEquals(OK_STATUS | DeviceStatus.DRIVER_OK, rig.host.status());
        assertEquals(0, rig.driver.configInterrupts());
    }
}
