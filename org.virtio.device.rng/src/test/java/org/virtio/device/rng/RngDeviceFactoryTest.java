package org.virtio.device.rng;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.device.DeviceType;

/** Validation of device properties: every rejection names its key. */
class RngDeviceFactoryTest {
    private final RngDeviceFactory factory = new RngDeviceFactory(RngSettings.DEFAULTS);

    private IllegalArgumentException rejected(Map<String, ?> properties, String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> factory.create(properties));
        assertTrue(e.getMessage().startsWith(key + ":"), e.getMessage());
        return e;
    }

    @Test
    void identity() {
        assertEquals("rng", factory.typeName());
        assertEquals(DeviceType.ENTROPY, factory.deviceType());
    }

    @Test
    void defaultsAreSecureRandomAnd64KiB() {
        RngDevice d = (RngDevice) factory.create(Map.of("unrelated", "ignored"));
        assertEquals("securerandom", d.sourceDescription());
        assertEquals(65536, d.maxBytesPerRequest());
    }

    @Test
    void fileSourceAndCapAccepted() {
        RngDevice d = (RngDevice) factory.create(Map.of("source", "/dev/urandom", "maxBytesPerRequest", "4096"));
        assertEquals("file /dev/urandom", d.sourceDescription());
        assertEquals(4096, d.maxBytesPerRequest());
    }

    @Test
    void missingFileRejected(@TempDir Path dir) {
        String missing = dir.resolve("no-such-file").toString();
        assertTrue(rejected(Map.of("source", missing), "source").getMessage().contains("does not exist"));
    }

    @Test
    void directoryRejected(@TempDir Path dir) {
        assertTrue(rejected(Map.of("source", dir.toString()), "source").getMessage().contains("directory"));
    }

    @Test
    void unreadableFileRejected(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("secret"), "x");
        assertTrue(f.toFile().setReadable(false, false));
        if (Files.isReadable(f)) {
            return; // running as root: permission bits do not stop reads
        }
        assertTrue(rejected(Map.of("source", f.toString()), "source").getMessage().contains("not readable"));
    }

    @Test
    void relativePathOrUnknownNameRejected() {
        rejected(Map.of("source", "urandom"), "source");
        rejected(Map.of("source", "  "), "source");
        rejected(Map.of("source", 42), "source");
    }

    @Test
    void badMaxBytesPerRequestRejected() {
        rejected(Map.of("maxBytesPerRequest", 0), "maxBytesPerRequest");
        rejected(Map.of("maxBytesPerRequest", -1), "maxBytesPerRequest");
        rejected(Map.of("maxBytesPerRequest", 2 * 1024 * 1024), "maxBytesPerRequest");
        rejected(Map.of("maxBytesPerRequest", "lots"), "maxBytesPerRequest");
        rejected(Map.of("maxBytesPerRequest", 2.5), "maxBytesPerRequest");
        rejected(Map.of("maxBytesPerRequest", Long.MAX_VALUE), "maxBytesPerRequest");
    }
}
