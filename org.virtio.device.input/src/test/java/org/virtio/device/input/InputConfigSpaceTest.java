package org.virtio.device.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.virtio.core.transport.VirtioDeviceHost;
import org.virtio.device.input.api.KeyCodes;

/** The select/subsel configuration space (VirtIO 1.3 §5.8.4), read through the device host as a driver does. */
class InputConfigSpaceTest {

    private static InputDevice keyboard(String serial) {
        return (InputDevice) new InputDeviceFactory(InputSettings.DEFAULTS)
                .create(Map.of("deviceName", "Test Keyboard", "serial", serial));
    }

    /** Writes select and subsel as Linux does (two byte writes), returns size and the union bytes. */
    private static byte[] select(VirtioDeviceHost host, int select, int subsel) {
        host.writeConfig(InputSpec.CFG_SELECT, 1, select);
        host.writeConfig(InputSpec.CFG_SUBSEL, 1, subsel);
        int size = (int) host.readConfig(InputSpec.CFG_SIZE, 1);
        byte[] all = new byte[InputSpec.UNION_SIZE];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) host.readConfig(InputSpec.CFG_UNION + i, 1);
        }
        for (int i = size; i < all.length; i++) {
            assertEquals(0, all[i], "union byte " + i + " beyond size " + size + " for select " + select + "/" + subsel);
        }
        return java.util.Arrays.copyOf(all, size);
    }

    private static boolean bit(byte[] bitmap, int n) {
        return n / 8 < bitmap.length && (bitmap[n / 8] & (1 << (n % 8))) != 0;
    }

    @Test
    void s5_8_4_configSizeAndUnsetReadsZero() {
        InputDevice d = keyboard("");
        assertEquals(136, d.configSize());
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            assertEquals(136, h.host.configSize());
            assertEquals(0, select(h.host, InputSpec.SELECT_UNSET, 0).length);
        }
    }

    @Test
    void s5_8_4_idNameAndSerial() {
        try (InputHarness h = new InputHarness(keyboard("SN-0042"), InputHarness.SPLIT)) {
            assertArrayEquals("Test Keyboard".getBytes(StandardCharsets.US_ASCII), select(h.host, InputSpec.SELECT_ID_NAME, 0));
            assertArrayEquals("SN-0042".getBytes(StandardCharsets.US_ASCII), select(h.host, InputSpec.SELECT_ID_SERIAL, 0));
            assertEquals(0, select(h.host, InputSpec.SELECT_ID_NAME, 1).length, "subsel must be 0 for ID_NAME");
        }
        try (InputHarness h = new InputHarness(keyboard(""), InputHarness.SPLIT)) {
            assertEquals(0, select(h.host, InputSpec.SELECT_ID_SERIAL, 0).length, "no serial reads size 0");
        }
    }

    @Test
    void s5_8_4_devids() {
        try (InputHarness h = new InputHarness(keyboard(""), InputHarness.SPLIT)) {
            assertArrayEquals(new byte[] {0x06, 0, 0x27, 0x06, 1, 0, 1, 0}, select(h.host, InputSpec.SELECT_ID_DEVIDS, 0));
            // Read as the driver's le16 fields.
            assertEquals(0x06, h.host.readConfig(InputSpec.CFG_UNION, 2));
            assertEquals(0x0627, h.host.readConfig(InputSpec.CFG_UNION + 2, 2));
        }
    }

    @Test
    void s5_8_4_propBitsAndAbsInfoAreEmpty() {
        try (InputHarness h = new InputHarness(keyboard(""), InputHarness.SPLIT)) {
            assertEquals(0, select(h.host, InputSpec.SELECT_PROP_BITS, 0).length);
            for (int axis = 0; axis < 64; axis++) {
                assertEquals(0, select(h.host, InputSpec.SELECT_ABS_INFO, axis).length, "axis " + axis);
            }
        }
    }

    @Test
    void s5_8_4_evBitsKey() {
        try (InputHarness h = new InputHarness(keyboard(""), InputHarness.SPLIT)) {
            byte[] keys = select(h.host, InputSpec.SELECT_EV_BITS, InputSpec.EV_KEY);
            assertEquals(16, keys.length, "bitmap up to KEY_COMPOSE (127)");
            for (char c = 'A'; c <= 'Z'; c++) {
                assertTrue(bit(keys, KeyCodes.code("KEY_" + c)), "letter " + c);
            }
            for (int digit = 0; digit <= 9; digit++) {
                assertTrue(bit(keys, KeyCodes.code("KEY_" + digit)), "digit " + digit);
            }
            assertTrue(bit(keys, 28), "KEY_ENTER");
            assertTrue(bit(keys, 57), "KEY_SPACE");
            assertTrue(bit(keys, 42), "KEY_LEFTSHIFT");
            assertFalse(bit(keys, 0), "KEY_RESERVED");
            assertFalse(bit(keys, 84), "84 is not a key");
            for (int code : KeyCodes.supportedCodes()) {
                assertTrue(bit(keys, code), "supported code " + code);
            }
        }
    }

    @Test
    void s5_8_4_evBitsSynRepLedAndUnsupportedTypes() {
        try (InputHarness h = new InputHarness(keyboard(""), InputHarness.SPLIT)) {
            assertArrayEquals(new byte[] {0x01}, select(h.host, InputSpec.SELECT_EV_BITS, InputSpec.EV_SYN));
            assertArrayEquals(new byte[] {0x03}, select(h.host, InputSpec.SELECT_EV_BITS, InputSpec.EV_REP));
            assertArrayEquals(new byte[] {0x07}, select(h.host, InputSpec.SELECT_EV_BITS, InputSpec.EV_LED));
            for (int type : new int[] {0x02, 0x03, 0x04, 0x05, 0x12, 0x15, 0x1f, 0xff}) {
                assertEquals(0, select(h.host, InputSpec.SELECT_EV_BITS, type).length, "event type " + type);
            }
        }
    }

    @Test
    void s5_8_5_unknownSelectReadsSizeZeroAndClearsTheUnion() {
        try (InputHarness h = new InputHarness(keyboard(""), InputHarness.SPLIT)) {
            select(h.host, InputSpec.SELECT_ID_NAME, 0); // leave bytes in the union
            for (int sel : new int[] {0x04, 0x0f, 0x13, 0x7f, 0xff}) {
                assertEquals(0, select(h.host, sel, 0).length, "select " + sel);
            }
        }
    }

    @Test
    void s5_8_4_onlySelectAndSubselAreWritable() {
        try (InputHarness h = new InputHarness(keyboard(""), InputHarness.SPLIT)) {
            h.host.writeConfig(0, 2, InputSpec.SELECT_EV_BITS | (InputSpec.EV_LED << 8)); // one 16-bit write of both
            assertEquals(1, h.host.readConfig(InputSpec.CFG_SIZE, 1));
            h.host.writeConfig(InputSpec.CFG_SIZE, 1, 99);
            h.host.writeConfig(InputSpec.CFG_UNION, 4, 0xdeadbeefL);
            h.host.writeConfig(4, 4, 0x11111111);
            assertEquals(1, h.host.readConfig(InputSpec.CFG_SIZE, 1));
            assertEquals(0x07, h.host.readConfig(InputSpec.CFG_UNION, 4));
            assertEquals(0, h.host.readConfig(4, 4), "reserved bytes stay 0");
            assertEquals(InputSpec.SELECT_EV_BITS | (InputSpec.EV_LED << 8), h.host.readConfig(0, 2), "select/subsel read back");
        }
    }

    @Test
    void s2_5_configReadableBeforeFeaturesOk() {
        InputDevice d = keyboard("");
        try (org.virtio.core.memory.GuestRam ram = org.virtio.core.memory.GuestRam.builder()
                .anonymous(org.virtio.core.memory.GuestAddress.of(0), 1 << 16).build()) {
            VirtioDeviceHost host = new org.virtio.core.driver.SimulatedDriver(ram,
                    org.virtio.core.memory.GuestAddress.of(0), 1 << 16).attach(d, null, "test/input0");
            assertArrayEquals("Test Keyboard".getBytes(StandardCharsets.US_ASCII), select(host, InputSpec.SELECT_ID_NAME, 0));
        }
    }
}
