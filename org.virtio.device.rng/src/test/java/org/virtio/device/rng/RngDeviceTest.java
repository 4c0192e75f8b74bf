package org.virtio.device.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.DeviceType;
import org.virtio.core.memory.GuestAddress;
import org.virtio.device.rng.backend.EntropySource;

/** virtio-rng driven through the core's simulated driver (VirtIO 1.3 §5.4). */
class RngDeviceTest {

    private static RngDevice secureRandomDevice() {
        return (RngDevice) new RngDeviceFactory(RngSettings.DEFAULTS).create(Map.of());
    }

    @Test
    void s5_4_deviceShape() {
        RngDevice d = secureRandomDevice();
        assertEquals(DeviceType.ENTROPY, d.deviceType());
        assertEquals(0, d.deviceFeatures());
        assertEquals(1, d.queueCount());
        assertEquals(256, d.maxQueueSize(0));
        assertEquals(0, d.configSize());
        assertEquals(64 * 1024, d.maxBytesPerRequest());
    }

    @Test
    void s5_4_6_entropyBytesArrive() {
        RngDevice d = secureRandomDevice();
        try (RngHarness h = new RngHarness(d, RngHarness.SPLIT)) {
            GuestAddress buf = h.buffer(64);
            assertEquals(64, h.request(buf, 64));
            assertFalse(Arrays.equals(new byte[64], h.read(buf, 64)), "buffer still all zero");
            assertEquals(1, d.metrics().requests());
            assertEquals(64, d.metrics().bytesServed());
            assertTrue(h.driver.usedInterrupts(0) >= 1, "no used buffer notification");
        }
    }

    @Test
    void s5_4_6_twoReadsDiffer() {
        try (RngHarness h = new RngHarness(secureRandomDevice(), RngHarness.SPLIT)) {
            GuestAddress a = h.buffer(64);
            GuestAddress b = h.buffer(64);
            assertEquals(64, h.request(a, 64));
            assertEquals(64, h.request(b, 64));
            assertFalse(Arrays.equals(h.read(a, 64), h.read(b, 64)), "two requests returned the same bytes");
        }
    }

    @Test
    void s5_4_6_packedRingAndIndirectChainSpanningBuffers() {
        RngDevice d = secureRandomDevice();
        try (RngHarness h = new RngHarness(d, RngHarness.PACKED)) {
            GuestAddress a = h.buffer(16);
            GuestAddress b = h.buffer(48);
            h.post(new GuestAddress[] {a, b}, new int[] {16, 48}, new boolean[] {true, true}, true);
            assertEquals(64, h.usedLength());
            assertFalse(Arrays.equals(new byte[48], h.read(b, 48)), "second buffer of the chain not filled");
        }
    }

    @Test
    void s5_4_6_readableOnlyChainGetsLengthZero() {
        RngDevice d = secureRandomDevice();
        try (RngHarness h = new RngHarness(d, RngHarness.SPLIT)) {
            GuestAddress ro = h.buffer(32);
            h.post(new GuestAddress[] {ro}, new int[] {32}, new boolean[] {false}, false);
            assertEquals(0, h.usedLength());
            assertArrayEquals(new byte[32], h.read(ro, 32), "device wrote into a device-readable buffer");
            assertEquals(1, d.metrics().emptyRequests());
            // The device keeps serving.
            assertEquals(64, h.request(h.buffer(64), 64));
            assertEquals(0, h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
        }
    }

    @Test
    void s5_4_6_readablePartIsSkipped() {
        try (RngHarness h = new RngHarness(secureRandomDevice(), RngHarness.SPLIT)) {
            GuestAddress ro = h.buffer(8);
            GuestAddress rw = h.buffer(24);
            h.post(new GuestAddress[] {ro, rw}, new int[] {8, 24}, new boolean[] {false, true}, false);
            assertEquals(24, h.usedLength());
            assertArrayEquals(new byte[8], h.read(ro, 8));
        }
    }

    @Test
    void s5_4_6_2_requestCappedAtMaxBytesPerRequest() {
        RngDevice d = (RngDevice) new RngDeviceFactory(RngSettings.DEFAULTS).create(Map.of("maxBytesPerRequest", 16));
        try (RngHarness h = new RngHarness(d, RngHarness.SPLIT)) {
            GuestAddress buf = h.buffer(64);
            assertEquals(16, h.request(buf, 64));
            assertArrayEquals(new byte[48], Arrays.copyOfRange(h.read(buf, 64), 16, 64), "wrote past the cap");
        }
    }

    @Test
    void manyRequestsInOneKickAreAllServed() {
        RngDevice d = secureRandomDevice();
        try (RngHarness h = new RngHarness(d, RngHarness.SPLIT)) {
            int n = 40;
            for (int i = 0; i < n; i++) {
                long addr = h.buffer(32).value();
                assertTrue(h.queue().add(new long[] {addr}, new int[] {32}, new boolean[] {true}, 1, false) >= 0);
            }
            h.driver.kick(0);
            for (int i = 0; i < n; i++) {
                assertEquals(32, h.usedLength(), "request " + i);
            }
            assertEquals(-1, h.usedLength());
            assertEquals(n, d.metrics().requests());
            assertEquals(32L * n, d.metrics().bytesServed());
        }
    }

    @Test
    void s2_1_2_failingSourceSetsDeviceNeedsReset() {
        FailingSource source = new FailingSource();
        RngDevice d = new RngDevice(source, 64);
        try (RngHarness h = new RngHarness(d, RngHarness.SPLIT)) {
            assertTrue(source.open);
            h.post(new GuestAddress[] {h.buffer(64)}, new int[] {64}, new boolean[] {true}, false);
            assertEquals(-1, h.usedLength(), "a failed request must not be completed");
            assertTrue((h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET) != 0);
            assertNotNull(h.host.needsResetReason());
            assertTrue(h.host.needsResetReason().contains(RngError.SOURCE_UNREADABLE.message()), h.host.needsResetReason());
            assertEquals(1, d.metrics().sourceFailures());
            assertTrue(h.driver.configInterrupts() >= 1, "no configuration change notification");
            h.host.setStatus(0);
            assertFalse(source.open, "reset must close the source");
        }
    }

    @Test
    void s2_1_2_sourceThatCannotOpenSetsDeviceNeedsReset() {
        FailingSource source = new FailingSource();
        source.failOpen = true;
        RngDevice d = new RngDevice(source, 64);
        try (RngHarness h = new RngHarness(d, RngHarness.SPLIT, false)) {
            assertTrue((h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET) != 0);
            assertTrue(h.host.needsResetReason().contains(RngError.SOURCE_UNAVAILABLE.message()));
        }
    }

    @Test
    void resetThenReinitialiseServesAgain() {
        RngDevice d = secureRandomDevice();
        try (RngHarness h = new RngHarness(d, RngHarness.SPLIT)) {
            assertEquals(64, h.request(h.buffer(64), 64));
            assertTrue(h.driver.initialize(RngHarness.SPLIT, 64));
            assertEquals(64, h.request(h.buffer(64), 64));
        }
    }

    /** A source that opens (or not) and then fails every read. */
    private static final class FailingSource implements EntropySource {
        boolean open;
        boolean failOpen;

        @Override
        public void open() throws IOException {
            if (failOpen) {
                throw new IOException("no such device");
            }
            open = true;
        }

        @Override
        public void fill(MemorySegment dst, long offset, int length) throws IOException {
            throw new IOException("read error");
        }

        @Override
        public void close() {
            open = false;
        }

        @Override
        public String description() {
            return "failing";
        }
    }
}
