package org.virtio.device.console.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file backend appends, across reopenings, and has no input. */
class FileConsoleBackendTest {

    @Test
    void appendsAcrossOpenings(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("console.log"), "old\n");
        FileConsoleBackend b = new FileConsoleBackend(f);
        assertFalse(b.hasInput());
        assertThrows(IOException.class, () -> b.write(new byte[1], 0, 1));
        b.open((src, off, len) -> { });
        b.write("boot\n".getBytes(StandardCharsets.US_ASCII), 0, 5);
        b.close();
        b.open((src, off, len) -> { });
        b.write("xagain\n".getBytes(StandardCharsets.US_ASCII), 1, 6);
        b.close();
        assertEquals("old\nboot\nagain\n", Files.readString(f));
    }
}
