package org.virtio.device.console;

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
class ConsoleDeviceFactoryTest {
    private final ConsoleDeviceFactory factory = new ConsoleDeviceFactory(ConsoleSettings.DEFAULTS);

    private IllegalArgumentException rejected(Map<String, ?> properties, String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> factory.create(properties));
        assertTrue(e.getMessage().startsWith(key + ":"), e.getMessage());
        return e;
    }

    @Test
    void identity() {
        assertEquals("console", factory.typeName());
        assertEquals(DeviceType.CONSOLE, factory.deviceType());
    }

    @Test
    void defaultsAreStdoutNoInputAnd64KiB() {
        ConsoleDevice d = (ConsoleDevice) factory.create(Map.of("unrelated", "ignored"));
        assertEquals("stdout", d.backendDescription());
        assertEquals(65536, d.inputBufferBytes());
    }

    @Test
    void stdinAndBufferSizeAccepted() {
        ConsoleDevice d = (ConsoleDevice) factory.create(Map.of("input", "stdin", "inputBufferBytes", "4096"));
        assertEquals("stdout+stdin", d.backendDescription());
        assertEquals(4096, d.inputBufferBytes());
    }

    @Test
    void fileOutputAccepted(@TempDir Path dir) {
        String f = dir.resolve("console.log").toString();
        ConsoleDevice d = (ConsoleDevice) factory.create(Map.of("output", f, "input", "none"));
        assertEquals("file " + f, d.backendDescription());
    }

    @Test
    void badOutputRejected(@TempDir Path dir) {
        rejected(Map.of("output", "console.log"), "output");
        rejected(Map.of("output", " "), "output");
        rejected(Map.of("output", 7), "output");
        assertTrue(rejected(Map.of("output", dir.toString()), "output").getMessage().contains("directory"));
        assertTrue(rejected(Map.of("output", dir.resolve("no/such/dir/log").toString()), "output").getMessage()
                .contains("does not exist"));
    }

    @Test
    void readOnlyOutputRejected(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("ro.log"), "x");
        assertTrue(f.toFile().setWritable(false, false));
        if (Files.isWritable(f)) {
            return; // running as root: permission bits do not stop writes
        }
        assertTrue(rejected(Map.of("output", f.toString()), "output").getMessage().contains("not writable"));
    }

    @Test
    void badInputRejected(@TempDir Path dir) {
        rejected(Map.of("input", "keyboard"), "input");
        rejected(Map.of("input", 1), "input");
        rejected(Map.of("input", "stdin", "output", dir.resolve("log").toString()), "input");
    }

    @Test
    void badInputBufferBytesRejected() {
        rejected(Map.of("inputBufferBytes", 0), "inputBufferBytes");
        rejected(Map.of("inputBufferBytes", -5), "inputBufferBytes");
        rejected(Map.of("inputBufferBytes", 32 * 1024 * 1024), "inputBufferBytes");
        rejected(Map.of("inputBufferBytes", "lots"), "inputBufferBytes");
        rejected(Map.of("inputBufferBytes", 1.5), "inputBufferBytes");
    }
}
