package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.FEAT_EVENT_IDX;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.VirtQueue;

/**
 * VIRTIO 1.3 §2.9 Driver Notifications, as the device suppresses them: §2.7.10 (split: used flags /
 * avail_event) and §2.8.10 (packed: device event suppression). Checked from the driver's side: the driver
 * is asked to notify exactly when the device needs it, and never misses a buffer.
 */
@DisplayName("2.9 / 2.7.10 / 2.8.10 Driver notification suppression")
class Sec2_9_DriverNotificationSuppressionTest {

    static Stream<Arguments> modes() {
        return Stream.of(QueueFormat.values())
                .flatMap(f -> Stream.of(Arguments.of(f, false), Arguments.of(f, true)));
    }

    private static ConformanceRig rig(QueueFormat format, boolean eventIdx, ScriptedDevice.Mode mode) {
        ConformanceRig rig = ConformanceRig.create(new ScriptedDevice(1, 16).mode(mode));
        rig.initOrFail(ConformanceRig.ringFeature(format) | (eventIdx ? FEAT_EVENT_IDX : 0), 16);
        return rig;
    }

    @ParameterizedTest(name = "{0}, EVENT_IDX={1}")
    @MethodSource("modes")
    @DisplayName("2.9 the driver is asked to notify by default, not while disabled, and again once re-enabled")
    void sec2_9_disableAndEnable(QueueFormat format, boolean eventIdx) {
        try (ConformanceRig rig = rig(format, eventIdx, ScriptedDevice.Mode.MANUAL)) {
            QueueDriver d = rig.qd(0);
            VirtQueue q = rig.vq(0);
            rig.addSimple(0);
            assertTrue(d.kickNeeded(), "initially notifications are wanted");
            q.disableNotifications();
            rig.addSimple(0);
            assertFalse(d.kickNeeded(), "suppressed");
            assertTrue(q.enableNotifications(), "two buffers wait");
            while (q.pop() != null) {
                // drain
            }
            assertFalse(q.enableNotifications());
            rig.addSimple(0);
            assertTrue(d.kickNeeded(), "wanted again");
        }
    }

    @ParameterizedTest(name = "{0}, EVENT_IDX={1}")
    @MethodSource("modes")
    @DisplayName("2.9 kicking only when asked never strands a buffer (the enable/re-check race)")
    void sec2_9_noLostWakeups(QueueFormat format, boolean eventIdx) {
        try (ConformanceRig rig = rig(format, eventIdx, ScriptedDevice.Mode.ECHO)) {
            Set<Integer> outstanding = new HashSet<>();
            int kicks = 0;
            int completed = 0;
            java.util.Random rnd = new java.util.Random(42);
            for (int i = 0; i < 300; i++) {
                int burst = 1 + rnd.nextInt(4);
                for (int b = 0; b < burst; b++) {
                    int id = rig.add(0, new int[] {4}, new int[] {4}, false);
                    if (id >= 0) {
                        outstanding.add(id);
                    }
                }
                if (rig.driver.kick(0)) {
                    kicks++;
                }
                for (ConformanceRig.Used u : rig.drain(0)) {
                    assertTrue(outstanding.remove(u.id()));
                    completed++;
                }
            }
            assertTrue(outstanding.isEmpty(), "stranded: " + outstanding);
            assertTrue(completed > 300, "completed " + completed);
            assertTrue(kicks > 0);
            assertEquals(kicks, rig.device.notifications[0]);
            assertFalse(rig.device.runaway);
        }
    }
}
