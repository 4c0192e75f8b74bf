package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.device.DeviceStatus;

/** VIRTIO 1.3 §2.5.2 Device Requirements: Device Configuration Space (and the §2.5 generation count). */
@DisplayName("2.5.2 Device configuration space")
class Sec2_5_2_DeviceConfigurationSpaceTest {
    private static final int CONFIG_SIZE = 16;
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, 8, 1L << 4, CONFIG_SIZE));
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    private long expectedLe(int offset, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = (v << 8) | (rig.device.config[offset + i] & 0xff);
        }
        return v;
    }

    @ParameterizedTest(name = "status {0}")
    @ValueSource(ints = {0, DeviceStatus.ACKNOWLEDGE, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER})
    @DisplayName("2.5.2 DEV-2.5.2-1: configuration is readable before FEATURES_OK")
    void sec2_5_2_1_readableBeforeFeaturesOk(int status) {
        if (status != 0) {
            rig.host.setStatus(DeviceStatus.ACKNOWLEDGE);
            rig.host.setStatus(status);
        }
        assertEquals(status, rig.host.status());
        for (int off = 0; off + 4 <= CONFIG_SIZE; off += 4) {
            assertEquals(expectedLe(off, 4), rig.host.readConfig(off, 4));
        }
    }

    @ParameterizedTest(name = "offset {0} width {1}")
    @CsvSource({"0,1", "15,1", "0,2", "6,2", "14,2", "0,4", "3,4", "12,4", "0,8", "8,8", "5,8"})
    @DisplayName("2.5 configuration fields are little-endian at every width")
    void sec2_5_littleEndianAccess(int offset, int width) {
        assertEquals(expectedLe(offset, width), rig.host.readConfig(offset, width));
    }

    @ParameterizedTest(name = "offset {0} width {1}")
    @CsvSource({"-1,1", "16,1", "15,2", "13,4", "9,8", "2147483647,1", "-2147483648,4"})
    @DisplayName("2.5 out-of-range reads return 0 and out-of-range writes are ignored (no exception)")
    void sec2_5_outOfRangeAccessIsHarmless(int offset, int width) {
        assertEquals(0, assertDoesNotThrow(() -> rig.host.readConfig(offset, width)));
        assertDoesNotThrow(() -> rig.host.writeConfig(offset, width, -1L));
        assertTrue(rig.device.configWrites.isEmpty());
    }

    @Test
    @DisplayName("2.5 an in-range write reaches the device, little-endian")
    void sec2_5_writeReachesDevice() {
        rig.host.writeConfig(4, 4, 0x11223344L);
        assertEquals(1, rig.device.configWrites.size());
        assertEquals(0x44, rig.device.config[4] & 0xff);
        assertEquals(0x11, rig.device.config[7] & 0xff);
        assertEquals(0x11223344L, rig.host.readConfig(4, 4));
    }

    @Test
    @DisplayName("2.5 / 4.1.4.3.1 DeviceContext.configChanged bumps the generation and sends a config notification")
    void sec2_5_configChangedBumpsGeneration() {
        rig.initOrFail(1L << 4, 8);
        int g0 = rig.host.configGeneration();
        rig.device.config[0] = 42;
        rig.device.context.configChanged();
        assertEquals(g0 + 1, rig.host.configGeneration());
        assertEquals(1, rig.driver.configInterrupts());
        assertEquals(42, rig.host.readConfig(0, 1));
        rig.device.context.configChanged();
        rig.device.context.configChanged();
        assertEquals(g0 + 3, rig.host.configGeneration());
        assertEquals(3, rig.driver.configInterrupts());
    }

    @Test
    @DisplayName("2.5 the generation does not change on reads and writes alone")
    void sec2_5_generationStableWithoutChange() {
        rig.initOrFail(1L << 4, 8);
        int g0 = rig.host.configGeneration();
        for (int i = 0; i < 10; i++) {
            rig.host.readConfig(i, 1);
        }
        rig.host.writeConfig(0, 1, 7);
        assertEquals(g0, rig.host.configGeneration());
        assertEquals(0, rig.driver.configInterrupts());
    }

    @ParameterizedTest(name = "width {0}")
    @ValueSource(ints = {0, 3, 5, 16})
    @DisplayName("2.5 an access width no transport can produce is a transport bug (IllegalArgumentException)")
    void sec2_5_badWidthIsTransportBug(int width) {
        assertThrows(IllegalArgumentException.class, () -> rig.host.readConfig(0, width));
        assertThrows(IllegalArgumentException.class, () -> rig.host.writeConfig(0, width, 0));
    }
}
