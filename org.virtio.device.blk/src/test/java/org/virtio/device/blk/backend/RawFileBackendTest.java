package org.virtio.device.blk.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend's own range checks: nothing is written outside the image, whatever the caller passes. */
class RawFileBackendTest {
    @TempDir
    Path dir;

    @Test
    void capacityRoundsDown() throws IOException {
        Path f = Files.write(dir.resolve("a.img"), new byte[3 * 512 + 511]);
        try (RawFileBackend b = RawFileBackend.open(f, false)) {
            assertEquals(3, b.capacity());
            assertFalse(b.readOnly());
        }
    }

    @Test
    void writeZeroesRefusesRangesOutsideTheImage() throws IOException {
        byte[] content = new byte[4 * 512 + 100];
        Arrays.fill(content, (byte) 7);
        Path f = Files.write(dir.resolve("a.img"), content);
        try (RawFileBackend b = RawFileBackend.open(f, false)) {
            assertThrows(IOException.class, () -> b.writeZeroes(4, 1));
            assertThrows(IOException.class, () -> b.writeZeroes(3, 2));
            assertThrows(IOException.class, () -> b.writeZeroes(-1, 1));
            assertThrows(IOException.class, () -> b.writeZeroes(Long.MAX_VALUE / 512, 1));
            b.writeZeroes(3, 1);
            b.flush();
        }
        byte[] after = Files.readAllBytes(f);
        assertEquals(content.length, after.length);
        assertArrayEquals(Arrays.copyOf(content, 3 * 512), Arrays.copyOf(after, 3 * 512));
        assertArrayEquals(new byte[512], Arrays.copyOfRange(after, 3 * 512, 4 * 512));
        assertArrayEquals(Arrays.copyOfRange(content, 4 * 512, content.length), Arrays.copyOfRange(after, 4 * 512, after.length));
    }

    @Test
    void readOnlyBackendRefusesWrites() throws IOException {
        Path f = Files.write(dir.resolve("a.img"), new byte[1024]);
        try (RawFileBackend b = RawFileBackend.open(f, true)) {
            assertTrue(b.readOnly());
            IOException e = assertThrows(IOException.class, () -> b.writeZeroes(0, 1));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            b.flush(); // no-op, no exception
        }
    }

    @Test
    void missingFileFailsToOpen() {
        assertThrows(IOException.class, () -> RawFileBackend.open(dir.resolve("missing.img"), true));
    }
}
