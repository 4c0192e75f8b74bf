package org.virtio.device.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.memory.GuestAddress;

/** The device with the file backend, end to end through the simulated driver. */
class RngFileBackendDeviceTest {

    @Test
    void servesDevUrandom() {
        RngDevice d = (RngDevice) new RngDeviceFactory(RngSettings.DEFAULTS).create(Map.of("source", "/dev/urandom"));
        try (RngHarness h = new RngHarness(d, RngHarness.SPLIT)) {
            GuestAddress a = h.buffer(128);
            GuestAddress b = h.buffer(128);
            assertEquals(128, h.request(a, 128));
            assertEquals(128, h.request(b, 128));
            assertFalse(Arrays.equals(h.read(a, 128), h.read(b, 128)));
        }
    }

    @Test
    void servesFileContentThenNeedsResetAtItsEnd(@TempDir Path dir) throws IOException {
        byte[] content = new byte[100];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (255 - i);
        }
        Path f = Files.write(dir.resolve("pool.bin"), content);
        RngDevice d = (RngDevice) new RngDeviceFactory(RngSettings.DEFAULTS).create(Map.of("source", f.toString()));
        try (RngHarness h = new RngHarness(d, RngHarness.SPLIT)) {
            GuestAddress a = h.buffer(64);
            assertEquals(64, h.request(a, 64));
            assertArrayEquals(Arrays.copyOf(content, 64), h.read(a, 64));
            assertEquals(-1, h.request(h.buffer(64), 64), "only 36 bytes were left: the device must not complete it");
            assertTrue((h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET) != 0);
            assertTrue(h.host.needsResetReason().contains(RngError.SOURCE_EXHAUSTED.message()), h.host.needsResetReason());
        }
    }
}
