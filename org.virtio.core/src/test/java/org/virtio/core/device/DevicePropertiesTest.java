package org.virtio.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevicePropertiesTest {

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void stringsMustBeStrings() {
        assertEquals("x", DeviceProperties.string("k", "x"));
        assertEquals("k: expected a string, got Integer", message(() -> DeviceProperties.string("k", 3)));
    }

    @Test
    void booleansAcceptBooleanAndTheTwoWords() {
        assertTrue(DeviceProperties.bool("k", null, true));
        assertTrue(DeviceProperties.bool("k", Boolean.TRUE, false));
        assertTrue(DeviceProperties.bool("k", " TRUE ", false));
        assertFalse(DeviceProperties.bool("k", "false", true));
        assertEquals("k: expected true or false, got yes", message(() -> DeviceProperties.bool("k", "yes", false)));
        assertEquals("k: expected true or false, got 1", message(() -> DeviceProperties.bool("k", 1, false)));
    }

    @Test
    void integersAreCheckedForTypeAndRange() {
        assertEquals(7, DeviceProperties.integer("k", 7L, 1, 10));
        assertEquals(7, DeviceProperties.integer("k", " 7 ", 1, 10));
        assertEquals("k: 11 is outside [1, 10]", message(() -> DeviceProperties.integer("k", 11, 1, 10)));
        assertEquals("k: \"x\" is not an integer", message(() -> DeviceProperties.integer("k", "x", 1, 10)));
        assertEquals("k: expected an integer, got Double 1.5", message(() -> DeviceProperties.integer("k", 1.5, 1, 10)));
        assertEquals("k: " + Long.MAX_VALUE + " is outside [1, 10]",
                message(() -> DeviceProperties.integer("k", Long.MAX_VALUE, 1, 10)));
    }

    @Test
    void filesMustExistBeReadableAndNotDirectories(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        DeviceProperties.checkReadableFile("k", f);
        DeviceProperties.checkReadableFile("k", Path.of("/dev/urandom"));
        assertEquals("k: " + dir.resolve("missing") + " does not exist",
                message(() -> DeviceProperties.checkReadableFile("k", dir.resolve("missing"))));
        assertEquals("k: " + dir + " is a directory", message(() -> DeviceProperties.checkReadableFile("k", dir)));
        assertTrue(message(() -> DeviceProperties.path("k", "a\0b")).startsWith("k: \"a\0b\" is not a valid path"));
        assertEquals(Path.of("/tmp/x"), DeviceProperties.path("k", " /tmp/x "));
    }
}
