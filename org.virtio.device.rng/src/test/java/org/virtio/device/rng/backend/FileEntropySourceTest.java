package org.virtio.device.rng.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file backend against /dev/urandom and a real temporary file. */
class FileEntropySourceTest {

    @Test
    void readsDevUrandom() throws IOException {
        FileEntropySource s = new FileEntropySource(Path.of("/dev/urandom"));
        s.open();
        try {
            byte[] a = new byte[10_000];
            byte[] b = new byte[10_000];
            s.fill(MemorySegment.ofArray(a), 0, a.length);
            s.fill(MemorySegment.ofArray(b), 0, b.length);
            assertFalse(Arrays.equals(a, b));
            assertFalse(Arrays.equals(new byte[a.length], a));
        } finally {
            s.close();
        }
    }

    @Test
    void readsFileInOrderAcrossChunksThenReportsEnd(@TempDir Path dir) throws IOException {
        byte[] content = new byte[FileEntropySource.CHUNK_SIZE + 100];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31 + 7);
        }
        Path f = Files.write(dir.resolve("entropy.bin"), content);
        FileEntropySource s = new FileEntropySource(f);
        s.open();
        byte[] got = new byte[content.length + 10];
        MemorySegment dst = MemorySegment.ofArray(got);
        s.fill(dst, 10, content.length);
        assertArrayEquals(content, Arrays.copyOfRange(got, 10, got.length));
        assertThrows(EOFException.class, () -> s.fill(dst, 0, 1));
        s.close();
        s.open(); // reopening starts from the beginning
        s.fill(dst, 0, 4);
        assertArrayEquals(Arrays.copyOf(content, 4), Arrays.copyOf(got, 4));
        s.close();
    }

    @Test
    void fillBeforeOpenFails() {
        FileEntropySource s = new FileEntropySource(Path.of("/dev/urandom"));
        assertThrows(IOException.class, () -> s.fill(MemorySegment.ofArray(new byte[1]), 0, 1));
    }
}
