package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.virtio.core.driver.SplitQueueDriver.F_WRITE;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.queue.QueueError;

/**
 * Part D, split ring: DRV-2.7.6.1-1 "A driver MUST NOT decrement the available idx", detected as the
 * index moving ahead of the device by more than the queue size (at run time and when the queue opens).
 */
@DisplayName("2.7.6.1 Split virtqueue: available index jumps")
class Sec2_7_6_1_AvailIndexViolationsTest {
    private static final int SIZE = 8;
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, SIZE).mode(ScriptedDevice.Mode.CONSUME));
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @ParameterizedTest(name = "idx -> {0}")
    @ValueSource(ints = {SIZE + 1, 100, 0x8000, 0xffff})
    @DisplayName("2.7.6.1 DRV-2.7.6.1-1: avail idx jumps by more than the queue size (or backwards) -> AVAIL_INDEX_JUMP")
    void sec2_7_6_1_1_jumpAtRunTime(int idx) {
        rig.initOrFail(0, SIZE);
        SplitQueueDriver d = rig.split(0);
        rig.assertRoundTrip(0); // device at avail idx 1
        d.writeAvailIdx(1 + idx);
        rig.kick(0);
        rig.assertBroken(0, QueueError.AVAIL_INDEX_JUMP);
        assertEquals(1, d.deviceUsedIdx(), "nothing more used");
        rig.assertRecovers(0, SIZE);
    }

    @Test
    @DisplayName("2.7.6.1 contrast: exactly Queue Size new entries at once is a full ring, not a jump")
    void sec2_7_6_1_fullRingIsFine() {
        rig.initOrFail(0, SIZE);
        SplitQueueDriver d = rig.split(0);
        long buf = rig.alloc(8, 16);
        for (int i = 0; i < SIZE; i++) {
            d.writeDescriptor(i, buf, 8, F_WRITE, 0);
        }
        for (int i = 0; i < SIZE; i++) {
            d.publishHead(i);
        }
        rig.kick(0);
        assertEquals(SIZE, d.deviceUsedIdx());
        assertFalse(rig.vq(0).isBroken());
    }

    @ParameterizedTest(name = "idx = {0} at DRIVER_OK")
    @ValueSource(ints = {SIZE + 1, 0xffff})
    @DisplayName("2.7.6.1 DRV-2.7.6.1-1: a garbage avail idx when the queue opens -> setup refused, DEVICE_NEEDS_RESET")
    void sec2_7_6_1_1_jumpAtDriverOk(int idx) {
        rig.initUpToDriverOk(0, SIZE);
        rig.split(0).writeAvailIdx(idx);
        assertFalse(rig.driverOk());
        rig.assertSetupRefused(QueueError.AVAIL_INDEX_JUMP.message());
        rig.kick(0);
        assertEquals(0, rig.device.notifications[0], "no activation, no notifications");
        rig.assertRecovers(0, SIZE);
    }
}
