package org.virtio.device.blk;

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
class BlkDeviceFactoryTest {
    private final BlkDeviceFactory factory = new BlkDeviceFactory();

    @TempDir
    Path dir;

    private IllegalArgumentException rejected(Map<String, ?> properties, String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> factory.create(properties));
        assertTrue(e.getMessage().startsWith(key + ":"), e.getMessage());
        return e;
    }

    @Test
    void identity() {
        assertEquals("blk", factory.typeName());
        assertEquals(DeviceType.BLOCK, factory.deviceType());
    }

    @Test
    void defaultsAndDerivedSerial() throws IOException {
        Path img = BlkImages.image(dir, "my disk.img", 4096);
        try (BlkDevice d = (BlkDevice) factory.create(Map.of("path", img.toString(), "unrelated", 1))) {
            assertEquals(false, d.readOnly());
            assertEquals("my_disk.img", d.serial());
            assertEquals(8, d.capacity());
        }
        Path longName = BlkImages.image(dir, "a-very-long-image-file-name.raw", 512);
        try (BlkDevice d = (BlkDevice) factory.create(Map.of("path", longName.toString(), "readOnly", "true"))) {
            assertEquals("a-very-long-image-fi", d.serial());
            assertTrue(d.readOnly());
        }
    }

    @Test
    void missingPathRejected() {
        assertTrue(rejected(Map.of(), "path").getMessage().contains("required"));
        rejected(Map.of("path", " "), "path");
        rejected(Map.of("path", 42), "path");
    }

    @Test
    void nonexistentOrDirectoryRejected() {
        assertTrue(rejected(Map.of("path", dir.resolve("nope").toString()), "path").getMessage().contains("does not exist"));
        assertTrue(rejected(Map.of("path", dir.toString()), "path").getMessage().contains("is a directory"));
    }

    @Test
    void unreadableFileRejected() throws IOException {
        Path f = BlkImages.image(dir, "secret.img", 512);
        assertTrue(f.toFile().setReadable(false, false));
        if (Files.isReadable(f)) {
            return; // running as root: permission bits do not stop reads
        }
        assertTrue(rejected(Map.of("path", f.toString()), "path").getMessage().contains("not readable"));
    }

    @Test
    void readOnlyFileOpenedWritableRejected() throws IOException {
        Path f = BlkImages.image(dir, "ro.img", 512);
        assertTrue(f.toFile().setWritable(false, false));
        if (Files.isWritable(f)) {
            return; // running as root: permission bits do not stop writes
        }
        assertTrue(rejected(Map.of("path", f.toString()), "path").getMessage().contains("readOnly=true"));
        try (BlkDevice d = (BlkDevice) factory.create(Map.of("path", f.toString(), "readOnly", true))) {
            assertTrue(d.readOnly());
        }
    }

    @Test
    void serialRules() throws IOException {
        Path img = BlkImages.image(dir, "disk.img", 512);
        assertTrue(rejected(Map.of("path", img.toString(), "serial", "123456789012345678901"), "serial")
                .getMessage().contains("more than 20"));
        rejected(Map.of("path", img.toString(), "serial", "caf\u00e9"), "serial");
        rejected(Map.of("path", img.toString(), "serial", "tab\there"), "serial");
        rejected(Map.of("path", img.toString(), "serial", 7), "serial");
        try (BlkDevice d = (BlkDevice) factory.create(Map.of("path", img.toString(), "serial", "12345678901234567890"))) {
            assertEquals("12345678901234567890", d.serial());
        }
    }

    @Test
    void badReadOnlyRejected() throws IOException {
        Path img = BlkImages.image(dir, "disk.img", 512);
        rejected(Map.of("path", img.toString(), "readOnly", "yes"), "readOnly");
        rejected(Map.of("path", img.toString(), "readOnly", 1), "readOnly");
    }
}
