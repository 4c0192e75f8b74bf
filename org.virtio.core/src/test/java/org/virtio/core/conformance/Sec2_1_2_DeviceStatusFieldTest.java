package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.OK_STATUS;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.queue.QueueError;
import org.virtio.core.queue.QueueFormat;

/** VIRTIO 1.3 §2.1.2 Device Requirements: Device Status Field. */
@DisplayName("2.1.2 Device status field")
class Sec2_1_2_DeviceStatusFieldTest {
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(2, 8);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @Test
    @DisplayName("2.1 the device status field starts out as 0")
    void sec2_1_statusStartsAtZero() {
        assertEquals(0, rig.host.status());
        assertNull(rig.host.needsResetReason());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("2.1.2 DEV-2.1.2-1: no buffers consumed and no used buffer notification before DRIVER_OK")
    void sec2_1_2_1_noConsumptionBeforeDriverOk(QueueFormat format) {
        rig.initUpToDriverOk(ConformanceRig.ringFeature(format), 8);
        int id = rig.addSimple(0);
        rig.kick(0);
        rig.kick(1);
        assertEquals(0, rig.device.notifications[0], "the device is not told before DRIVER_OK");
        assertTrue(rig.device.seen.isEmpty());
        assertTrue(rig.drain(0).isEmpty(), "nothing on the used ring");
        assertEquals(0, rig.driver.usedInterrupts(0));
        assertEquals(0, rig.driver.configInterrupts());

        assertTrue(rig.driverOk());
        rig.kick(0);
        assertEquals(1, rig.device.seen.size(), "after DRIVER_OK the buffer is consumed");
        assertEquals(id, rig.drain(0).get(0).id());
        assertEquals(1, rig.driver.usedInterrupts(0));
    }

    @Test
    @DisplayName("2.1.2 DEV-2.1.2-2: a device error sets DEVICE_NEEDS_RESET")
    void sec2_1_2_2_deviceErrorSetsNeedsReset() {
        rig.initOrFail(0, 8);
        rig.device.context.needsReset("backend gone");
        assertEquals(OK_STATUS | DeviceStatus.DRIVER_OK | DeviceStatus.DEVICE_NEEDS_RESET, rig.host.status());
        assertEquals("backend gone", rig.host.needsResetReason());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("2.1.2 DEV-2.1.2-2: a malformed chain sets DEVICE_NEEDS_RESET")
    void sec2_1_2_2_malformedChainSetsNeedsReset(QueueFormat format) {
        rig.device.mode(ScriptedDevice.Mode.CONSUME);
        rig.initOrFail(ConformanceRig.ringFeature(format), 8);
        // One zero-length buffer: the simplest malformed chain in either ring format.
        rig.qd(0).add(new long[] {ConformanceRig.DATA_BASE}, new int[] {0}, new boolean[] {false}, 1, false);
        rig.kick(0);
        rig.assertBroken(0, QueueError.ZERO_LENGTH_BUFFER);
        assertFalse(rig.vq(1).isBroken(), "the other queue is not broken by the first one's error");
    }

    @Test
    @DisplayName("2.1.2 DEV-2.1.2-3: with DRIVER_OK, DEVICE_NEEDS_RESET is followed by one config change notification")
    void sec2_1_2_3_configNotificationAfterNeedsReset() {
        rig.initOrFail(0, 8);
        assertEquals(0, rig.driver.configInterrupts());
        rig.device.context.needsReset("first");
        assertEquals(1, rig.driver.configInterrupts());
        rig.device.context.needsReset("second");
        assertEquals(1, rig.driver.configInterrupts(), "already DEVICE_NEEDS_RESET: no second notification");
        assertEquals("first", rig.host.needsResetReason(), "the first reason is kept");
    }

    @Test
    @DisplayName("2.1.2 DEV-2.1.2-3: a queue unusable at DRIVER_OK sets DEVICE_NEEDS_RESET and notifies")
    void sec2_1_2_3_setupFailureAtDriverOkNotifies() {
        rig.initUpToDriverOk(0, 8);
        rig.host.setQueueSize(1, 3); // not a power of 2
        assertFalse(rig.driverOk());
        rig.assertSetupRefused(QueueError.INVALID_SIZE.message());
    }

    @Test
    @DisplayName("2.1.1 the driver cannot clear DEVICE_NEEDS_RESET except by a reset")
    void sec2_1_1_needsResetSurvivesStatusWrites() {
        rig.initOrFail(0, 8);
        rig.device.context.needsReset("x");
        rig.host.setStatus(OK_STATUS | DeviceStatus.DRIVER_OK);
        assertEquals(DeviceStatus.DEVICE_NEEDS_RESET, rig.host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
        rig.host.setStatus(0);
        assertEquals(0, rig.host.status());
    }

    @Test
    @DisplayName("2.1.1 a status write that clears bits is ignored (only reset clears them)")
    void sec2_1_1_clearingBitsIsIgnored() {
        rig.initOrFail(0, 8);
        int before = rig.host.status();
        rig.host.setStatus(DeviceStatus.ACKNOWLEDGE);
        assertEquals(before, rig.host.status());
        assertTrue(rig.device.context != null, "still active");
    }

    @Test
    @DisplayName("3.1.1 DRIVER_OK without FEATURES_OK is refused: the device is not activated")
    void sec3_1_1_driverOkWithoutFeaturesOk() {
        rig.host.setStatus(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        rig.host.setStatus(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.DRIVER_OK);
        assertEquals(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER, rig.host.status());
        assertEquals(0, rig.device.activations);
    }

    @Test
    @DisplayName("2.1 FAILED: the driver gave up; the device is never activated")
    void sec2_1_failedIsHonoured() {
        rig.host.setStatus(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        rig.host.setStatus(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FAILED);
        assertEquals(DeviceStatus.FAILED, rig.host.status() & DeviceStatus.FAILED);
        rig.host.notifyQueue(0);
        assertEquals(0, rig.device.activations);
        assertEquals(0, rig.device.notifications[0]);
    }
}
