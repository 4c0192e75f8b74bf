package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.FEAT_EVENT_IDX;
import static org.virtio.core.conformance.ConformanceRig.OK_STATUS;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.VirtQueue;

/** VIRTIO 1.3 §2.4.1 Device Requirements: Device Reset (and §2.6.1.2.1 re-enable after reset). */
@DisplayName("2.4.1 Device reset")
class Sec2_4_1_DeviceResetTest {
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(2, 16);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @ParameterizedTest(name = "from status {0}")
    @ValueSource(ints = {1, 3, 11, 15, 0x4f, 0x83})
    @DisplayName("2.4.1 DEV-2.4.1-1: status reads 0 after a reset from any state")
    void sec2_4_1_1_statusZeroAfterReset(int target) {
        if ((target & DeviceStatus.DRIVER_OK) != 0) {
            rig.initOrFail(0, 8);
            if ((target & DeviceStatus.DEVICE_NEEDS_RESET) != 0) {
                rig.device.context.needsReset("test");
            }
        } else {
            rig.host.setStatus(DeviceStatus.ACKNOWLEDGE);
            if ((target & DeviceStatus.DRIVER) != 0) {
                rig.host.setStatus(rig.host.status() | DeviceStatus.DRIVER);
            }
            if ((target & DeviceStatus.FEATURES_OK) != 0) {
                rig.host.setDriverFeatures(ConformanceRig.FEAT_VERSION_1);
                rig.host.setStatus(rig.host.status() | DeviceStatus.FEATURES_OK);
            }
            if ((target & DeviceStatus.FAILED) != 0) {
                rig.host.setStatus(rig.host.status() | DeviceStatus.FAILED);
            }
        }
        assertEquals(target, rig.host.status(), "reached the state to reset from");
        rig.host.setStatus(0);
        assertEquals(0, rig.host.status());
        assertNull(rig.host.needsResetReason());
        assertEquals(0, rig.host.driverFeatures());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("2.4.1 DEV-2.4.1-2: after reset the device neither touches the rings nor notifies")
    void sec2_4_1_2_noRingAccessOrNotificationAfterReset(QueueFormat format) {
        rig.device.mode(ScriptedDevice.Mode.HOLD);
        rig.initOrFail(ConformanceRig.ringFeature(format) | FEAT_EVENT_IDX, 8);
        rig.addSimple(0);
        rig.addSimple(0);
        rig.kick(0);
        assertEquals(2, rig.device.held.size());
        VirtQueue stale = rig.vq(0);
        List<DescriptorChain> held = List.copyOf(rig.device.held);
        rig.addSimple(0); // a third one the device has not popped yet

        long base = rig.qd(0).descArea().value();
        byte[] before = rig.read(base, 4096);
        int interrupts = rig.driver.usedInterrupts(0);
        int resets = rig.device.resets;

        rig.host.setStatus(0);
        assertEquals(0, rig.host.status());
        assertEquals(resets + 1, rig.device.resets, "the device is told once");

        // A device that still holds references after reset: none of this may reach the guest.
        assertDoesNotThrow(() -> {
            for (DescriptorChain c : held) {
                stale.add(c, 0);
            }
            stale.flush();
            assertNull(stale.pop());
            stale.disableNotifications();
            assertFalse(stale.enableNotifications());
        });
        assertArrayEquals(before, rig.read(base, 4096), "ring memory changed after reset");
        assertEquals(interrupts, rig.driver.usedInterrupts(0));
        assertEquals(0, rig.driver.configInterrupts());
    }

    @Test
    @DisplayName("2.4.1 DEV-2.4.1-2: the device context is dead after reset (no config or error notifications)")
    void sec2_4_1_2_contextDeadAfterReset() {
        rig.initOrFail(0, 8);
        DeviceContext ctx = rig.device.context;
        int generation = rig.host.configGeneration();
        rig.host.setStatus(0);
        assertNull(ctx.queue(0));
        ctx.configChanged();
        ctx.needsReset("late");
        assertEquals(generation, rig.host.configGeneration());
        assertEquals(0, rig.driver.configInterrupts());
        assertEquals(0, rig.host.status());
    }

    @Test
    @DisplayName("2.4.1 DEV-2.4.1-2: notifications after reset are not passed to the device")
    void sec2_4_1_2_notificationsIgnoredAfterReset() {
        rig.initOrFail(0, 8);
        rig.host.setStatus(0);
        rig.kick(0);
        rig.kick(1);
        assertEquals(0, rig.device.notifications[0] + rig.device.notifications[1]);
    }

    @Test
    @DisplayName("2.4 reset restores queue registers to their defaults")
    void sec2_4_queueRegistersReset() {
        rig.initOrFail(0, 8);
        assertEquals(8, rig.host.queueSize(0));
        assertTrue(rig.host.queueReady(0));
        rig.host.setStatus(0);
        assertEquals(16, rig.host.queueSize(0), "back to the maximum");
        assertFalse(rig.host.queueReady(0));
        assertFalse(rig.host.queueReady(1));
    }

    @Test
    @DisplayName("2.6.1.2.1 DEV-2.6.1.2.1-1: after reset the device observes the new queue configuration")
    void sec2_6_1_2_1_observesNewConfigurationAfterReset() {
        rig.initOrFail(0, 8);
        rig.assertRoundTrip(0);
        assertEquals(8, rig.vq(0).size());

        rig.initOrFail(ConformanceRig.FEAT_PACKED, 5);
        assertEquals(QueueFormat.PACKED, rig.vq(0).format());
        assertEquals(5, rig.vq(0).size());
        rig.assertRoundTrip(0);
        rig.assertRoundTrip(1);

        rig.initOrFail(0, 16);
        assertEquals(QueueFormat.SPLIT, rig.vq(1).format());
        assertEquals(16, rig.vq(1).size());
        rig.assertRoundTrip(1);
    }

    @Test
    @DisplayName("2.6.1.1.1 DEV-2.6.1.1.1-2: reset with chains in flight: the new queues start from the default state")
    void sec2_6_1_1_1_freshStateAfterReset() {
        rig.device.mode(ScriptedDevice.Mode.HOLD);
        rig.initOrFail(0, 8);
        rig.addSimple(0);
        rig.addSimple(0);
        rig.kick(0);
        assertEquals(2, rig.vq(0).inFlight());
        rig.initOrFail(0, 8);
        assertEquals(0, rig.vq(0).inFlight());
        assertEquals(OK_STATUS | DeviceStatus.DRIVER_OK, rig.host.status());
        rig.assertRoundTrip(0);
        assertEquals(1, rig.split(0).deviceUsedIdx(), "used idx restarts at 0");
    }
}
