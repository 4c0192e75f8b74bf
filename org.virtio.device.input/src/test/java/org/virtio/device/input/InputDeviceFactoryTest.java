package org.virtio.device.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.device.DeviceType;
import org.virtio.device.input.backend.FileCommandSource;
import org.virtio.device.input.backend.SocketCommandSource;

/** Validation of device properties: every rejection names its key. */
class InputDeviceFactoryTest {
    private final InputDeviceFactory factory = new InputDeviceFactory(InputSettings.DEFAULTS);

    private void rejected(Map<String, ?> properties, String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> factory.create(properties));
        assertTrue(e.getMessage().startsWith(key + ":"), e.getMessage());
    }

    @Test
    void identityAndDefaults() {
        assertEquals("input", factory.typeName());
        assertEquals(DeviceType.INPUT, factory.deviceType());
        InputDevice d = (InputDevice) factory.create(Map.of("unrelated", "ignored"));
        assertEquals(256, d.queueEvents());
        assertNull(d.source());
    }

    @Test
    void sourcesFromTheEventsKey(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("keys.txt"), "tap a\n");
        InputDevice f = (InputDevice) factory.create(Map.of("events", file.toString(), "queueEvents", "32"));
        assertTrue(f.source() instanceof FileCommandSource);
        assertEquals(32, f.queueEvents());
        InputDevice s = (InputDevice) factory.create(Map.of("events", "unix:" + dir.resolve("kbd.sock")));
        assertTrue(s.source() instanceof SocketCommandSource);
        assertNull(((InputDevice) factory.create(Map.of("events", "none"))).source());
    }

    @Test
    void badValuesRejected(@TempDir Path dir) {
        rejected(Map.of("deviceName", ""), "deviceName");
        rejected(Map.of("deviceName", "x".repeat(129)), "deviceName");
        rejected(Map.of("deviceName", "tab\there"), "deviceName");
        rejected(Map.of("deviceName", 7), "deviceName");
        rejected(Map.of("serial", "\u00e9"), "serial");
        rejected(Map.of("queueEvents", 0), "queueEvents");
        rejected(Map.of("queueEvents", 65537), "queueEvents");
        rejected(Map.of("queueEvents", "many"), "queueEvents");
        rejected(Map.of("events", "relative/fifo"), "events");
        rejected(Map.of("events", dir.resolve("missing").toString()), "events");
        rejected(Map.of("events", dir.toString()), "events");
        rejected(Map.of("events", "unix:relative.sock"), "events");
        rejected(Map.of("events", "unix:" + dir.resolve("no-such-dir/kbd.sock")), "events");
        rejected(Map.of("events", "unix:/" + "d".repeat(120)), "events");
    }

    @Test
    void configDefaultsApply() {
        InputDeviceFactory f = new InputDeviceFactory(new InputSettings("Other", "S1", "", 3));
        InputDevice d = (InputDevice) f.create(Map.of());
        assertEquals(3, d.queueEvents());
    }
}
