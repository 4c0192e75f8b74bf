package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.OK_STATUS;
import static org.virtio.core.conformance.ConformanceRig.RAM_SIZE;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.PackedQueueDriver;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.QueueState;
import org.virtio.core.queue.VirtQueue;

/**
 * VIRTIO 1.3 §2.6.1 Virtqueue Reset (VIRTIO_F_RING_RESET): §2.6.1.1.1 (DEV-2.6.1.1.1-1, -2) and
 * §2.6.1.2.1 (DEV-2.6.1.2.1-1), driven through the transport-independent host.
 */
@DisplayName("2.6.1 Virtqueue reset")
class Sec2_6_1_VirtqueueResetTest {
    private static final long FEAT_RING_RESET = VirtioFeatures.bit(VirtioFeatures.RING_RESET);
    private static final int MAX = 8;

    private static ConformanceRig rig(QueueFormat format) {
        ConformanceRig r = ConformanceRig.create(2, MAX);
        r.initOrFail(FEAT_RING_RESET | ConformanceRig.ringFeature(format), MAX);
        return r;
    }

    /** A new ring for queue q, as a driver lays it out before re-enabling: elsewhere in its window. */
    private static QueueDriver newRing(ConformanceRig r, QueueFormat format, int size) {
        long features = r.host.driverFeatures();
        if (format == QueueFormat.PACKED) {
            return new PackedQueueDriver(r.ram, r.driver.allocate(PackedQueueDriver.footprint(size, 16), 4096), size,
                    features, 16);
        }
        return new SplitQueueDriver(r.ram, r.driver.allocate(SplitQueueDriver.footprint(size, 16), 4096), size,
                features, 16);
    }

    /** One echo round trip over a driver-side ring the rig does not know about. */
    private static void roundTrip(ConformanceRig r, int q, QueueDriver d, int seed) {
        long in = r.alloc(8, 16);
        long out = r.alloc(8, 16);
        r.write(in, ConformanceRig.pattern(8, seed));
        r.fill(out, 8, (byte) 0);
        int id = d.add(new long[] {in, out}, new int[] {8, 8}, new boolean[] {false, true}, 2, false);
        assertTrue(id >= 0, "ring has room");
        r.kick(q);
        assertTrue(d.pollUsed(), "the device used the chain on the new ring");
        assertEquals(id, d.usedId());
        assertEquals(8, d.usedLength());
        assertFalse(d.pollUsed(), "exactly one used element");
        assertArrayEquals(ConformanceRig.pattern(8, seed), r.read(out, 8));
    }

    @ParameterizedTest
    @EnumSource(QueueFormat.class)
    @DisplayName("2.6.1.1.1 DEV-2.6.1.1.1-1: after a queue reset no request from it is executed and no notification sent")
    void sec2_6_1_1_1_noRequestsNoNotificationsAfterReset(QueueFormat format) {
        try (ConformanceRig r = rig(format)) {
            r.assertRoundTrip(0);
            int notified = r.device.notifications[0];
            int interrupts = r.driver.usedInterrupts(0);
            int seen = r.device.seen.size();

            r.host.resetQueue(0);
            assertEquals(List.of(0), r.device.queueResets, "the device is told which queue was reset");
            assertNull(r.device.queue(0), "the device no longer reaches the reset queue");

            // Buffers made available on the old ring stay unused, even when the driver notifies.
            int id = r.addSimple(0);
            assertTrue(id >= 0);
            r.kick(0);
            assertEquals(notified, r.device.notifications[0], "no notification reaches the device");
            assertEquals(seen, r.device.seen.size(), "no request executed");
            assertTrue(r.drain(0).isEmpty(), "the old ring has no new used element");
            assertEquals(interrupts, r.driver.usedInterrupts(0), "no used buffer notification for the reset queue");

            // The other queue keeps working, and the device stays DRIVER_OK.
            r.assertRoundTrip(1);
            assertEquals(OK_STATUS | DeviceStatus.DRIVER_OK, r.host.status());
        }
    }

    @ParameterizedTest
    @EnumSource(QueueFormat.class)
    @DisplayName("2.6.1.1.1 DEV-2.6.1.1.1-1: chains the device held from the reset queue are dropped, never used")
    void sec2_6_1_1_1_heldChainsDropped(QueueFormat format) {
        try (ConformanceRig r = rig(format)) {
            r.device.mode = ScriptedDevice.Mode.HOLD;
            r.addSimple(0);
            r.addSimple(1);
            r.kick(0);
            r.kick(1);
            assertEquals(2, r.device.held.size());
            VirtQueue old = r.vq(0);
            var chainFromQ1 = r.device.held.get(1);

            r.host.resetQueue(0);
            assertEquals(List.of(chainFromQ1), r.device.held, "only queue 0's chain is dropped");
            old.flush();
            assertTrue(r.drain(0).isEmpty(), "nothing is ever used on the old ring");
            assertEquals(0, r.driver.usedInterrupts(0));

            r.vq(1).add(chainFromQ1, 0);
            r.vq(1).flush();
            assertEquals(1, r.drain(1).size(), "queue 1 completes its held chain");
        }
    }

    @ParameterizedTest
    @EnumSource(QueueFormat.class)
    @DisplayName("2.6.1.1.1 DEV-2.6.1.1.1-2: a reset queue's state returns to the defaults")
    void sec2_6_1_1_1_registersBackToDefaults(QueueFormat format) {
        try (ConformanceRig r = ConformanceRig.create(2, MAX)) {
            r.initOrFail(FEAT_RING_RESET | ConformanceRig.ringFeature(format), 4);
            r.assertRoundTrip(0);
            r.assertRoundTrip(0);
            assertFalse(r.host.queueInReset(0));

            r.host.resetQueue(0);
            assertFalse(r.host.queueReady(0), "not ready");
            assertEquals(MAX, r.host.queueSize(0), "size back to the maximum");
            assertTrue(r.host.queueInReset(0));
            assertFalse(r.host.queueInReset(1));

            r.host.quiesce();
            QueueState s = r.host.snapshot().queues().get(0);
            r.host.resume();
            assertEquals(format, s.format());
            assertEquals(0, s.descArea().value());
            assertEquals(0, s.driverArea().value());
            assertEquals(0, s.deviceArea().value());
            assertFalse(s.ready());
            assertEquals(0, s.nextAvail(), "available state reset");
            assertEquals(0, s.nextUsed(), "used state reset");

            r.host.setStatus(0);
            assertFalse(r.host.queueInReset(0), "a device reset ends the queue reset state");
        }
    }

    @ParameterizedTest
    @EnumSource(QueueFormat.class)
    @DisplayName("2.6.1.2.1 DEV-2.6.1.2.1-1: re-enabling uses the new ring, address and (smaller) size")
    void sec2_6_1_2_1_reEnableWithNewRing(QueueFormat format) {
        try (ConformanceRig r = rig(format)) {
            r.assertRoundTrip(0);
            r.assertRoundTrip(0);
            r.assertRoundTrip(0);
            VirtQueue old = r.vq(0);
            QueueDriver oldRing = r.qd(0);
            r.host.resetQueue(0);

            QueueDriver ring = newRing(r, format, 4);
            assertNotEquals(oldRing.descArea().value(), ring.descArea().value());
            r.host.setQueueSize(0, 4);
            r.host.setQueueAddresses(0, ring.descArea(), ring.driverArea(), ring.deviceArea());
            assertFalse(r.host.queueReady(0));
            assertNull(r.device.queue(0), "not open before QueueReady");
            r.host.setQueueReady(0, true);

            assertTrue(r.host.queueReady(0));
            assertFalse(r.host.queueInReset(0));
            VirtQueue fresh = r.device.queue(0);
            assertNotNull(fresh, "the device sees the re-enabled queue through its context");
            assertNotSame(old, fresh);
            assertEquals(4, fresh.size(), "the new size is observed");
            assertEquals(format, fresh.format());
            assertEquals(1, r.device.activations, "no re-activation");

            // More round trips than the new size: the device wraps the new, smaller ring from index 0.
            for (int i = 0; i < 10; i++) {
                roundTrip(r, 0, ring, i);
            }
            assertTrue(r.drain(0).isEmpty(), "the old ring is left alone");
            r.assertRoundTrip(1);
            assertEquals(OK_STATUS | DeviceStatus.DRIVER_OK, r.host.status());

            // The size set while enabled is not writable (it is a register of an enabled queue).
            r.host.setQueueSize(0, 2);
            assertEquals(4, r.host.queueSize(0));
        }
    }

    @Test
    @DisplayName("2.6.1.2.1: a re-enabled queue whose new ring is unusable sets DEVICE_NEEDS_RESET")
    void sec2_6_1_2_1_unusableNewRing() {
        try (ConformanceRig r = rig(QueueFormat.SPLIT)) {
            r.host.resetQueue(0);
            GuestAddress outside = GuestAddress.of(RAM_SIZE + 0x10000);
            r.host.setQueueAddresses(0, outside, outside, outside);
            r.host.setQueueReady(0, true);
            assertEquals(DeviceStatus.DEVICE_NEEDS_RESET, r.host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
            assertNotNull(r.host.needsResetReason());
            assertNull(r.device.queue(0));
            r.assertRecovers(FEAT_RING_RESET, MAX);
        }
    }

    @ParameterizedTest
    @EnumSource(QueueFormat.class)
    @DisplayName("2.6.1: without VIRTIO_F_RING_RESET negotiated a queue reset changes nothing")
    void sec2_6_1_withoutFeatureNothingChanges(QueueFormat format) {
        try (ConformanceRig r = ConformanceRig.create(2, MAX)) {
            r.initOrFail(ConformanceRig.ringFeature(format), MAX);
            assertFalse(VirtioFeatures.has(r.host.driverFeatures(), VirtioFeatures.RING_RESET));
            VirtQueue before = r.vq(0);

            r.host.resetQueue(0);
            assertSame(before, r.vq(0), "the queue stays open");
            assertTrue(r.device.queueResets.isEmpty());
            assertTrue(r.host.queueReady(0));
            assertFalse(r.host.queueInReset(0));
            assertEquals(MAX, r.host.queueSize(0));

            // Queue registers stay read-only after DRIVER_OK, for the enabled queue as before.
            r.host.setQueueReady(0, false);
            r.host.setQueueSize(0, 2);
            assertTrue(r.host.queueReady(0));
            assertEquals(MAX, r.host.queueSize(0));
            r.assertRoundTrip(0);
            r.assertRoundTrip(1);
        }
    }

    @Test
    @DisplayName("2.6.1: with VIRTIO_F_RING_RESET the registers of an enabled queue stay read-only after DRIVER_OK")
    void sec2_6_1_enabledQueueRegistersStayReadOnly() {
        try (ConformanceRig r = rig(QueueFormat.SPLIT)) {
            VirtQueue before = r.vq(0);
            r.host.setQueueSize(0, 2);
            r.host.setQueueReady(0, false);
            r.host.setQueueAddresses(0, GuestAddress.of(0), GuestAddress.of(0), GuestAddress.of(0));
            assertEquals(MAX, r.host.queueSize(0));
            assertTrue(r.host.queueReady(0));
            assertSame(before, r.vq(0));
            r.assertRoundTrip(0);
        }
    }
}
