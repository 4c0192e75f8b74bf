package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.queue.QueueError;
import org.virtio.core.queue.QueueFormat;

/**
 * Part D: ring areas the driver programs wrongly, detected when DRIVER_OK opens the queues. DRV-2.7.1-1
 * (split: descriptor table 16-, available ring 2-, used ring 4-aligned) and DRV-2.8.11-1 (packed:
 * descriptor ring 16-, event suppression structures 4-aligned); areas outside guest RAM or, where the
 * device writes, in read-only memory; queue sizes the device cannot use (§2.7: power of 2 up to 32768,
 * §2.8: up to 32768, both at most the device maximum).
 */
@DisplayName("2.7.1 / 2.8.11 Ring layout violations at DRIVER_OK")
class Sec2_7_1_RingLayoutViolationsTest {
    private static final int SIZE = 8;
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.withReadOnlyRegion(new ScriptedDevice(1, SIZE).mode(ScriptedDevice.Mode.CONSUME));
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    /** area: 0 descriptor, 1 driver, 2 device. */
    private void program(QueueFormat format, int area, long address) {
        rig.initUpToDriverOk(ConformanceRig.ringFeature(format), SIZE);
        QueueDriver d = rig.qd(0);
        GuestAddress[] a = {d.descArea(), d.driverArea(), d.deviceArea()};
        a[area] = GuestAddress.of(address);
        rig.host.setQueueAddresses(0, a[0], a[1], a[2]);
    }

    private void expectRefused(QueueFormat format, QueueError error) {
        assertFalse(rig.driverOk(), "DRIVER_OK must not leave a working device");
        rig.assertSetupRefused(error.message());
        rig.kick(0);
        assertEquals(0, rig.device.notifications[0], "a device that was never activated gets no notifications");
        rig.assertRecovers(ConformanceRig.ringFeature(format), SIZE);
    }

    static Stream<Arguments> misaligned() {
        return Stream.of(
                Arguments.of(QueueFormat.SPLIT, 0, 8), Arguments.of(QueueFormat.SPLIT, 0, 4),
                Arguments.of(QueueFormat.SPLIT, 1, 1), Arguments.of(QueueFormat.SPLIT, 2, 2),
                Arguments.of(QueueFormat.PACKED, 0, 8), Arguments.of(QueueFormat.PACKED, 0, 1),
                Arguments.of(QueueFormat.PACKED, 1, 2), Arguments.of(QueueFormat.PACKED, 2, 1));
    }

    @ParameterizedTest(name = "{0} area {1} off by {2}")
    @MethodSource("misaligned")
    @DisplayName("2.7.1 DRV-2.7.1-1 / 2.8.11 DRV-2.8.11-1: a misaligned ring area -> RING_MISALIGNED")
    void sec2_7_1_1_misalignedRingArea(QueueFormat format, int area, int offset) {
        long base = 0x20000; // in RAM, 4 KiB aligned, unused by the driver
        program(format, area, base + offset);
        expectRefused(format, QueueError.RING_MISALIGNED);
    }

    static Stream<Arguments> outside() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (QueueFormat f : QueueFormat.values()) {
            for (int area = 0; area < 3; area++) {
                b.add(Arguments.of(f, area, ConformanceRig.RAM_SIZE)); // just past the end of RAM
                b.add(Arguments.of(f, area, 0x180000L)); // the hole
            }
            b.add(Arguments.of(f, 0, ConformanceRig.RAM_SIZE - 16)); // straddles the end of RAM
            b.add(Arguments.of(f, 0, 0xffff_ffff_ffff_fff0L)); // wraps the address space
        }
        for (int area = 1; area < 3; area++) {
            b.add(Arguments.of(QueueFormat.SPLIT, area, ConformanceRig.RAM_SIZE - 16)); // rings of 6 + 2n / 6 + 8n bytes
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} area {1} at 0x{2}")
    @MethodSource("outside")
    @DisplayName("2.7 / 2.8 a ring area outside guest RAM -> RING_OUT_OF_RANGE")
    void sec2_7_ringAreaOutsideRam(QueueFormat format, int area, long address) {
        program(format, area, address);
        expectRefused(format, QueueError.RING_OUT_OF_RANGE);
    }

    static Stream<Arguments> deviceWritten() {
        return Stream.of(Arguments.of(QueueFormat.SPLIT, 2), Arguments.of(QueueFormat.PACKED, 0),
                Arguments.of(QueueFormat.PACKED, 2));
    }

    @ParameterizedTest(name = "{0} area {1}")
    @MethodSource("deviceWritten")
    @DisplayName("2.7 / 2.8 an area the device writes (used ring, packed ring, device event) in read-only memory -> RING_OUT_OF_RANGE")
    void sec2_7_deviceWrittenAreaInReadOnlyMemory(QueueFormat format, int area) {
        program(format, area, ConformanceRig.RO_BASE);
        expectRefused(format, QueueError.RING_OUT_OF_RANGE);
    }

    static Stream<Arguments> badSizes() {
        return Stream.of(Arguments.of(QueueFormat.SPLIT, 0), Arguments.of(QueueFormat.SPLIT, 3),
                Arguments.of(QueueFormat.SPLIT, 6), Arguments.of(QueueFormat.SPLIT, 16),
                Arguments.of(QueueFormat.SPLIT, 65536), Arguments.of(QueueFormat.PACKED, 0),
                Arguments.of(QueueFormat.PACKED, 9), Arguments.of(QueueFormat.PACKED, -1));
    }

    @ParameterizedTest(name = "{0} size {1}")
    @MethodSource("badSizes")
    @DisplayName("2.7 / 2.8 a queue size the device cannot use (0, not a power of 2 for split, above the maximum) -> INVALID_SIZE")
    void sec2_7_invalidQueueSize(QueueFormat format, int size) {
        rig.initUpToDriverOk(ConformanceRig.ringFeature(format), SIZE);
        rig.host.setQueueSize(0, size);
        expectRefused(format, QueueError.INVALID_SIZE);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("2.8 contrast: a packed ring of 5 or 7 (not a power of 2) is fine; so are read-only driver-written split areas")
    void sec2_8_validLayouts(QueueFormat format) {
        if (format == QueueFormat.PACKED) {
            for (int size : new int[] {5, 7}) {
                rig.initOrFail(ConformanceRig.FEAT_PACKED, size);
                assertEquals(size, rig.vq(0).size());
                rig.assertRoundTrip(0);
            }
        } else {
            // The device only reads the descriptor table and the available ring.
            rig.initUpToDriverOk(0, SIZE);
            QueueDriver d = rig.qd(0);
            rig.host.setQueueAddresses(0, GuestAddress.of(ConformanceRig.RO_BASE),
                    GuestAddress.of(ConformanceRig.RO_BASE + 0x1000), d.deviceArea());
            assertTrue(rig.driverOk(), () -> rig.host.needsResetReason());
        }
    }
}
