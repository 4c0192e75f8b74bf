package org.virtio.device.rng.backend;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** The SecureRandom backend: pooled generation, each byte served once. */
class SecureRandomSourceTest {

    @Test
    void fillsAcrossPoolRefillsAndNeverRepeats() throws IOException {
        SecureRandomSource s = new SecureRandomSource();
        s.open();
        byte[] a = new byte[SecureRandomSource.POOL_SIZE + 17];
        byte[] b = new byte[a.length];
        s.fill(MemorySegment.ofArray(a), 0, a.length);
        s.fill(MemorySegment.ofArray(b), 0, b.length);
        assertFalse(Arrays.equals(a, b));
        assertFalse(Arrays.equals(new byte[a.length], a));
        s.close();
    }

    @Test
    void fillBeforeOpenFails() {
        SecureRandomSource s = new SecureRandomSource();
        assertThrows(IOException.class, () -> s.fill(MemorySegment.ofArray(new byte[1]), 0, 1));
    }
}
