package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.FEAT_EVENT_IDX;
import static org.virtio.core.conformance.ConformanceRig.FEAT_INDIRECT;
import static org.virtio.core.conformance.ConformanceRig.FEAT_IN_ORDER;
import static org.virtio.core.conformance.ConformanceRig.FEAT_PACKED;
import static org.virtio.core.conformance.ConformanceRig.FEAT_VERSION_1;
import static org.virtio.core.conformance.ConformanceRig.OK_STATUS;

import java.util.stream.LongStream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.memory.Access;
import org.virtio.core.memory.AddressTranslator;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.transport.VirtioDeviceHost;

/** VIRTIO 1.3 §2.2.2 Device Requirements: Feature Bits. */
@DisplayName("2.2.2 Feature bits")
class Sec2_2_2_FeatureBitsTest {

    private static ConformanceRig rig(long deviceFeatures) {
        return ConformanceRig.create(new ScriptedDevice(1, 8, deviceFeatures, 8));
    }

    /** Ring features the core implements; everything else outside the device bits is someone else's. */
    private static final long CORE_RING = FEAT_VERSION_1 | FEAT_INDIRECT | FEAT_EVENT_IDX | FEAT_PACKED | FEAT_IN_ORDER
            | VirtioFeatures.bit(VirtioFeatures.RING_RESET);

    @Test
    @DisplayName("2.2.2 DEV-2.2.2-1: the ring features offered are all implemented and need nothing unoffered")
    void sec2_2_2_1_offersOnlySelfContainedRingFeatures() {
        try (ConformanceRig r = rig(0)) {
            assertEquals(CORE_RING, r.host.deviceFeatures(), "exactly VERSION_1 and the five ring features");
        }
    }

    @Test
    @DisplayName("2.2.2 DEV-2.2.2-1: ACCESS_PLATFORM is offered only with an IOMMU that implements it")
    void sec2_2_2_1_accessPlatformOnlyWithTranslator() {
        AddressTranslator identity = new AddressTranslator() {
            @Override
            public int granuleShift() {
                return 12;
            }

            @Override
            public long translate(long iova, Access access) {
                return iova;
            }
        };
        try (ConformanceRig r = rig(0)) {
            VirtioDeviceHost withIommu = VirtioDeviceHost.create(r.device, r.ram, r.driver, identity, "iommu");
            assertTrue(VirtioFeatures.has(withIommu.deviceFeatures(), VirtioFeatures.ACCESS_PLATFORM));
            assertFalse(VirtioFeatures.has(r.host.deviceFeatures(), VirtioFeatures.ACCESS_PLATFORM));
        }
    }

    @ParameterizedTest(name = "bit {0}")
    @ValueSource(ints = {24, 25, 26, 27, 30, 31, 33, 36, 37, 38, 39, 41, 49})
    @DisplayName("2.2.2 DEV-2.2.2-3: reserved or unsupported transport bits a device claims are not offered")
    void sec2_2_2_3_unsupportedBitsNotOffered(int bit) {
        try (ConformanceRig r = rig(1L << bit)) {
            assertFalse(VirtioFeatures.has(r.host.deviceFeatures(), bit), "bit " + bit + " offered");
        }
    }

    @ParameterizedTest(name = "bit {0}")
    @ValueSource(ints = {0, 5, 23, 50, 63})
    @DisplayName("2.2 device-specific feature bits (0-23, 50-63) are offered as the device declares them")
    void sec2_2_deviceSpecificBitsOffered(int bit) {
        try (ConformanceRig r = rig(1L << bit)) {
            assertTrue(VirtioFeatures.has(r.host.deviceFeatures(), bit));
        }
    }

    static LongStream ringFeatureSubsets() {
        long[] bits = {FEAT_INDIRECT, FEAT_EVENT_IDX, FEAT_PACKED, FEAT_IN_ORDER};
        return LongStream.range(0, 16).map(mask -> {
            long f = 0;
            for (int i = 0; i < bits.length; i++) {
                if ((mask & (1L << i)) != 0) {
                    f |= bits[i];
                }
            }
            return f;
        });
    }

    @ParameterizedTest(name = "features 0x{0}")
    @MethodSource("ringFeatureSubsets")
    @DisplayName("2.2.2 DEV-2.2.2-2: every valid subset of the offered features is accepted and works")
    void sec2_2_2_2_acceptsAnyValidSubset(long features) {
        try (ConformanceRig r = rig(1L << 3)) {
            r.initOrFail(features | (1L << 3), 8);
            assertEquals(FEAT_VERSION_1 | features | (1L << 3), r.host.driverFeatures());
            assertEquals((features & FEAT_PACKED) != 0 ? QueueFormat.PACKED : QueueFormat.SPLIT, r.host.queueFormat());
            r.assertRoundTrip(0);
        }
    }

    @ParameterizedTest(name = "bit {0}")
    @ValueSource(ints = {1, 24, 38, 41, 62})
    @DisplayName("2.2.2 DEV-2.2.2-2: a driver accepting a feature not offered finds FEATURES_OK clear")
    void sec2_2_2_2_refusesUnofferedFeature(int bit) {
        try (ConformanceRig r = rig(0)) {
            r.host.setStatus(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
            r.host.setDriverFeatures(FEAT_VERSION_1 | (1L << bit));
            r.host.setStatus(OK_STATUS);
            assertEquals(0, r.host.status() & DeviceStatus.FEATURES_OK);
            r.host.setStatus(OK_STATUS | DeviceStatus.DRIVER_OK);
            assertEquals(0, r.device.activations, "DRIVER_OK without FEATURES_OK does not activate");
        }
    }

    @Test
    @DisplayName("2.2.2 DEV-2.2.2-2: a legacy driver (no VERSION_1) finds FEATURES_OK clear")
    void sec2_2_2_2_refusesWithoutVersion1() {
        try (ConformanceRig r = rig(0)) {
            r.host.setStatus(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
            r.host.setDriverFeatures(FEAT_INDIRECT);
            r.host.setStatus(OK_STATUS);
            assertEquals(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER, r.host.status());
        }
    }

    @Test
    @DisplayName("2.2.2 DEV-2.2.2-4: the same features are accepted again after reset (and after an error)")
    void sec2_2_2_4_renegotiationAfterReset() {
        long f = FEAT_INDIRECT | FEAT_EVENT_IDX | (1L << 2);
        try (ConformanceRig r = rig(1L << 2)) {
            for (int round = 0; round < 3; round++) {
                r.initOrFail(f, 8);
                r.assertRoundTrip(0);
            }
            r.device.context.needsReset("error recovery");
            r.initOrFail(f, 8);
            assertEquals(FEAT_VERSION_1 | f, r.host.driverFeatures());
            r.assertRoundTrip(0);
        }
    }

    @Test
    @DisplayName("2.2 driver features written after FEATURES_OK are ignored")
    void sec2_2_featuresFrozenAfterFeaturesOk() {
        try (ConformanceRig r = rig(0)) {
            r.negotiate(FEAT_INDIRECT);
            r.host.setDriverFeatures(FEAT_VERSION_1 | FEAT_PACKED);
            assertEquals(FEAT_VERSION_1 | FEAT_INDIRECT, r.host.driverFeatures());
            assertEquals(QueueFormat.SPLIT, r.host.queueFormat());
        }
    }
}
