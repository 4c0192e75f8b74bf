package org.virtio.device.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.device.blk.BlkHarness.header;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioFeatures;

/** virtio-blk request handling driven through the core's simulated driver (VirtIO 1.3 §5.2.6). */
class BlkDeviceTest {
    @TempDir
    Path dir;

    private BlkDevice device(long size) throws IOException {
        return BlkImages.device(BlkImages.image(dir, "disk.img", size), false, "test-serial");
    }

    @Test
    void s5_2_deviceShape() throws IOException {
        try (BlkDevice d = device(8 * 512)) {
            assertEquals(DeviceType.BLOCK, d.deviceType());
            assertEquals(1, d.queueCount());
            assertEquals(256, d.maxQueueSize(0));
            long f = d.deviceFeatures();
            for (int bit : new int[] {BlkSpec.F_SEG_MAX, BlkSpec.F_BLK_SIZE, BlkSpec.F_FLUSH, BlkSpec.F_DISCARD,
                    BlkSpec.F_WRITE_ZEROES}) {
                assertTrue(VirtioFeatures.has(f, bit), "feature " + bit + " not offered");
            }
            assertFalse(VirtioFeatures.has(f, BlkSpec.F_RO));
            assertEquals(8, d.capacity());
        }
    }

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void s5_2_6_writeThenReadBack(boolean packed) throws IOException {
        Path img = BlkImages.image(dir, "disk.img", 64 * 512);
        try (BlkDevice d = BlkImages.device(img, false, null);
                BlkHarness h = new BlkHarness(d, packed ? BlkHarness.PACKED : BlkHarness.SPLIT)) {
            byte[] data = BlkImages.pattern(3 * 512, 7);
            assertEquals(BlkSpec.S_OK, h.writeSectors(10, data));
            BlkHarness.Chain c = h.readSectors(10, 3 * 512);
            assertEquals(BlkSpec.S_OK, c.status());
            assertArrayEquals(data, c.bytes(1));
            byte[] file = Files.readAllBytes(img);
            assertArrayEquals(data, Arrays.copyOfRange(file, 10 * 512, 13 * 512));
            assertEquals(1, d.metrics().writes());
            assertEquals(1, d.metrics().reads());
            assertEquals(3 * 512, d.metrics().bytesRead());
            assertEquals(3 * 512, d.metrics().bytesWritten());
            assertEquals(0, d.metrics().errors());
        }
    }

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void s5_2_6_indirectChainsWithSplitHeaderAndData(boolean packed) throws IOException {
        Path img = BlkImages.image(dir, "disk.img", 64 * 512);
        try (BlkDevice d = BlkImages.device(img, false, null);
                BlkHarness h = new BlkHarness(d, packed ? BlkHarness.PACKED : BlkHarness.SPLIT)) {
            byte[] data = BlkImages.pattern(4 * 512, 3);
            byte[] hdr = header(BlkSpec.T_OUT, 20);
            // Header over two descriptors, data over three (one not sector-sized), indirect.
            BlkHarness.Chain w = h.chain().in(Arrays.copyOfRange(hdr, 0, 5)).in(Arrays.copyOfRange(hdr, 5, 16))
                    .in(Arrays.copyOfRange(data, 0, 100)).in(Arrays.copyOfRange(data, 100, 1536))
                    .in(Arrays.copyOfRange(data, 1536, 2048)).out(1);
            assertEquals(1, w.submit(true));
            assertEquals(BlkSpec.S_OK, w.status());
            // Read back into two writable buffers, the status in a buffer of its own, direct chain.
            byte[] rh = header(BlkSpec.T_IN, 20);
            BlkHarness.Chain r = h.chain().in(Arrays.copyOfRange(rh, 0, 8)).in(Arrays.copyOfRange(rh, 8, 16))
                    .out(1000).out(1048).out(1);
            assertEquals(2049, r.submit(false));
            assertEquals(BlkSpec.S_OK, r.status());
            byte[] back = new byte[2048];
            System.arraycopy(r.bytes(2), 0, back, 0, 1000);
            System.arraycopy(r.bytes(3), 0, back, 1000, 1048);
            assertArrayEquals(data, back);
            // Status byte sharing the last data buffer: read 512 bytes into one 513-byte buffer.
            BlkHarness.Chain r2 = h.chain().in(header(BlkSpec.T_IN, 21)).out(513);
            assertEquals(513, r2.submit(true));
            assertEquals(BlkSpec.S_OK, r2.status());
            assertArrayEquals(Arrays.copyOfRange(data, 512, 1024), Arrays.copyOf(r2.bytes(1), 512));
        }
    }

    @Test
    void s5_2_6_largeRequestSpansScratchBuffer() throws IOException {
        Path img = BlkImages.image(dir, "disk.img", 1024 * 512);
        try (BlkDevice d = BlkImages.device(img, false, null); BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            byte[] data = BlkImages.pattern(600 * 512, 11); // 300 KiB > 128 KiB scratch
            assertEquals(BlkSpec.S_OK, h.writeSectors(100, data));
            BlkHarness.Chain c = h.readSectors(100, data.length);
            assertArrayEquals(data, c.bytes(1));
            assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(img), 100 * 512, 700 * 512));
        }
    }

    @Test
    void s5_2_4_capacityRoundsDownAndTailIsNeverTouched() throws IOException {
        Path img = BlkImages.image(dir, "odd.img", 4 * 512 + 300);
        byte[] tail = Arrays.copyOfRange(Files.readAllBytes(img), 4 * 512, 4 * 512 + 300);
        try (BlkDevice d = BlkImages.device(img, false, null); BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            assertEquals(4, d.capacity());
            assertEquals(4, h.host.readConfig(BlkSpec.CFG_CAPACITY, 8));
            assertEquals(BlkSpec.S_OK, h.writeSectors(3, new byte[512]));
            assertEquals(BlkSpec.S_IOERR, h.writeSectors(4, new byte[512]));
            assertEquals(BlkSpec.S_IOERR, h.writeSectors(3, new byte[1024]));
            assertEquals(BlkSpec.S_IOERR, h.readSectors(4, 512).status());
            BlkHarness.Chain z = h.chain().in(header(BlkSpec.T_WRITE_ZEROES, 0))
                    .in(BlkHarness.segment(3, 2, 0)).out(1);
            assertEquals(1, z.submit());
            assertEquals(BlkSpec.S_IOERR, z.status());
        }
        byte[] after = Files.readAllBytes(img);
        assertEquals(4 * 512 + 300, after.length);
        assertArrayEquals(tail, Arrays.copyOfRange(after, 4 * 512, after.length));
    }

    @Test
    void s5_2_6_2_readOnlyDriveRejectsWrites() throws IOException {
        Path img = BlkImages.image(dir, "ro.img", 16 * 512);
        String before = BlkImages.sha256(img);
        try (BlkDevice d = BlkImages.device(img, true, null); BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            assertTrue(VirtioFeatures.has(d.deviceFeatures(), BlkSpec.F_RO));
            assertTrue(VirtioFeatures.has(h.host.driverFeatures(), BlkSpec.F_RO));
            assertEquals(BlkSpec.S_IOERR, h.writeSectors(0, new byte[512]));
            BlkHarness.Chain wz = h.chain().in(header(BlkSpec.T_WRITE_ZEROES, 0))
                    .in(BlkHarness.segment(0, 4, 0)).out(1);
            assertEquals(1, wz.submit());
            assertEquals(BlkSpec.S_IOERR, wz.status());
            BlkHarness.Chain dc = h.chain().in(header(BlkSpec.T_DISCARD, 0)).in(BlkHarness.segment(0, 4, 0)).out(1);
            assertEquals(1, dc.submit());
            assertEquals(BlkSpec.S_IOERR, dc.status());
            // Reads and flushes still work.
            BlkHarness.Chain r = h.readSectors(0, 512);
            assertEquals(BlkSpec.S_OK, r.status());
            assertArrayEquals(Arrays.copyOf(Files.readAllBytes(img), 512), r.bytes(1));
            assertEquals(BlkSpec.S_OK, h.simple(BlkSpec.T_FLUSH, 0).status());
            assertEquals(3, d.metrics().errors());
        }
        assertEquals(before, BlkImages.sha256(img));
    }

    @Test
    void s5_2_6_beyondCapacityAndOverflowingSectorsFailWithoutWriting() throws IOException {
        Path img = BlkImages.image(dir, "disk.img", 8 * 512);
        String before = BlkImages.sha256(img);
        try (BlkDevice d = BlkImages.device(img, false, null); BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            assertEquals(BlkSpec.S_IOERR, h.writeSectors(8, new byte[512]));
            assertEquals(BlkSpec.S_IOERR, h.writeSectors(7, new byte[1024]));
            assertEquals(BlkSpec.S_IOERR, h.writeSectors(-1L, new byte[512]));            // 2^64 - 1
            assertEquals(BlkSpec.S_IOERR, h.writeSectors(Long.MAX_VALUE, new byte[512]));  // sector * 512 overflows
            assertEquals(BlkSpec.S_IOERR, h.writeSectors(1L << 55, new byte[512]));
            assertEquals(BlkSpec.S_IOERR, h.readSectors(Long.MIN_VALUE, 512).status());
            BlkHarness.Chain wz = h.chain().in(header(BlkSpec.T_WRITE_ZEROES, 0))
                    .in(BlkHarness.segment(Long.MAX_VALUE - 1, 4, 0)).out(1);
            assertEquals(1, wz.submit());
            assertEquals(BlkSpec.S_IOERR, wz.status());
            BlkHarness.Chain dc = h.chain().in(header(BlkSpec.T_DISCARD, 0)).in(BlkHarness.segment(6, 3, 0)).out(1);
            assertEquals(1, dc.submit());
            assertEquals(BlkSpec.S_IOERR, dc.status());
            // Still serving.
            assertEquals(BlkSpec.S_OK, h.writeSectors(7, new byte[512]));
        }
        byte[] after = Files.readAllBytes(img);
        assertEquals(8 * 512, after.length);
        assertFalse(before.equals(BlkImages.sha256(img)), "the last good write did not land");
    }

    @Test
    void s5_2_6_unknownTypeIsUnsupported() throws IOException {
        try (BlkDevice d = device(8 * 512); BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            for (int type : new int[] {2, 3, 7, 15, 0x7fffffff, -1}) {
                assertEquals(BlkSpec.S_UNSUPP, h.simple(type, 0).status(), "type " + type);
            }
            assertEquals(6, d.metrics().errors());
        }
    }

    @Test
    void s5_2_6_getIdReturnsSerial() throws IOException {
        try (BlkDevice d = device(8 * 512); BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            BlkHarness.Chain c = h.chain().in(header(BlkSpec.T_GET_ID, 0)).out(20).out(1);
            assertEquals(21, c.submit());
            assertEquals(BlkSpec.S_OK, c.status());
            byte[] want = Arrays.copyOf("test-serial".getBytes(StandardCharsets.US_ASCII), 20);
            assertArrayEquals(want, c.bytes(1));
            // Too short for the ID: IOERR.
            BlkHarness.Chain s = h.chain().in(header(BlkSpec.T_GET_ID, 0)).out(8).out(1);
            assertEquals(1, s.submit());
            assertEquals(BlkSpec.S_IOERR, s.status());
        }
    }

    @Test
    void s5_2_6_getIdFullTwentyBytesHasNoTerminator() throws IOException {
        Path img = BlkImages.image(dir, "disk.img", 8 * 512);
        try (BlkDevice d = BlkImages.device(img, false, "ABCDEFGHIJKLMNOPQRST");
                BlkHarness h = new BlkHarness(d, BlkHarness.PACKED)) {
            BlkHarness.Chain c = h.chain().in(header(BlkSpec.T_GET_ID, 0)).out(21);
            assertEquals(21, c.submit());
            assertEquals(BlkSpec.S_OK, c.status());
            assertEquals("ABCDEFGHIJKLMNOPQRST", new String(c.bytes(1), 0, 20, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void s5_2_6_flushSucceeds() throws IOException {
        try (BlkDevice d = device(8 * 512); BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            assertEquals(BlkSpec.S_OK, h.writeSectors(1, new byte[512]));
            BlkHarness.Chain c = h.chain().in(header(BlkSpec.T_FLUSH, 0)).out(1);
            assertEquals(1, c.submit());
            assertEquals(BlkSpec.S_OK, c.status());
            assertEquals(1, d.metrics().flushes());
        }
    }

    @Test
    void s5_2_6_writeWithoutNegotiatedFlushIsStillServed() throws IOException {
        long noFlush = BlkHarness.SPLIT & ~VirtioFeatures.bit(BlkSpec.F_FLUSH);
        Path img = BlkImages.image(dir, "disk.img", 8 * 512);
        try (BlkDevice d = BlkImages.device(img, false, null); BlkHarness h = new BlkHarness(d, noFlush)) {
            byte[] data = BlkImages.pattern(512, 5);
            assertEquals(BlkSpec.S_OK, h.writeSectors(2, data));
            assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(img), 1024, 1536));
        }
    }

    @Test
    void s5_2_6_writeZeroesZeroesTheRange() throws IOException {
        Path img = BlkImages.image(dir, "disk.img", 600 * 512);
        byte[] before = Files.readAllBytes(img);
        try (BlkDevice d = BlkImages.device(img, false, null); BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            for (int flags : new int[] {0, BlkSpec.FLAG_UNMAP}) {
                BlkHarness.Chain c = h.chain().in(header(BlkSpec.T_WRITE_ZEROES, 0))
                        .in(BlkHarness.segment(flags == 0 ? 5 : 300, 290, flags)).out(1);
                assertEquals(1, c.submit());
                assertEquals(BlkSpec.S_OK, c.status());
            }
            assertEquals(2, d.metrics().writeZeroes());
            BlkHarness.Chain r = h.readSectors(5, 512);
            assertArrayEquals(new byte[512], r.bytes(1));
        }
        byte[] after = Files.readAllBytes(img);
        assertArrayEquals(Arrays.copyOf(before, 5 * 512), Arrays.copyOf(after, 5 * 512));
        assertArrayEquals(new byte[290 * 512], Arrays.copyOfRange(after, 5 * 512, 295 * 512));
        assertArrayEquals(Arrays.copyOfRange(before, 295 * 512, 300 * 512), Arrays.copyOfRange(after, 295 * 512, 300 * 512));
        assertArrayEquals(new byte[290 * 512], Arrays.copyOfRange(after, 300 * 512, 590 * 512));
        assertArrayEquals(Arrays.copyOfRange(before, 590 * 512, 600 * 512), Arrays.copyOfRange(after, 590 * 512, 600 * 512));
    }

    @Test
    void s5_2_6_discardSucceedsAndLeavesDataAlone() throws IOException {
        Path img = BlkImages.image(dir, "disk.img", 32 * 512);
        String before = BlkImages.sha256(img);
        try (BlkDevice d = BlkImages.device(img, false, null); BlkHarness h = new BlkHarness(d, BlkHarness.PACKED)) {
            BlkHarness.Chain c = h.chain().in(header(BlkSpec.T_DISCARD, 0)).in(BlkHarness.segment(4, 8, 0)).out(1);
            assertEquals(1, c.submit());
            assertEquals(BlkSpec.S_OK, c.status());
            assertEquals(1, d.metrics().discards());
        }
        assertEquals(before, BlkImages.sha256(img));
    }

    @Test
    void s5_2_6_2_discardAndWriteZeroesFlagRules() throws IOException {
        Path img = BlkImages.image(dir, "disk.img", 32 * 512);
        String before = BlkImages.sha256(img);
        try (BlkDevice d = BlkImages.device(img, false, null); BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            int[][] cases = {
                    {BlkSpec.T_DISCARD, BlkSpec.FLAG_UNMAP, BlkSpec.S_UNSUPP},
                    {BlkSpec.T_DISCARD, 2, BlkSpec.S_UNSUPP},
                    {BlkSpec.T_WRITE_ZEROES, 0x80000000, BlkSpec.S_UNSUPP},
            };
            for (int[] k : cases) {
                BlkHarness.Chain c = h.chain().in(header(k[0], 0)).in(BlkHarness.segment(0, 4, k[1])).out(1);
                assertEquals(1, c.submit());
                assertEquals(k[2], c.status(), "type " + k[0] + " flags " + k[1]);
            }
            // Two segments (max_*_seg is 1), a short segment, too many sectors: IOERR.
            byte[] two = new byte[32];
            BlkHarness.Chain c2 = h.chain().in(header(BlkSpec.T_WRITE_ZEROES, 0)).in(two).out(1);
            assertEquals(1, c2.submit());
            assertEquals(BlkSpec.S_IOERR, c2.status());
            BlkHarness.Chain c3 = h.chain().in(header(BlkSpec.T_DISCARD, 0)).in(new byte[8]).out(1);
            assertEquals(1, c3.submit());
            assertEquals(BlkSpec.S_IOERR, c3.status());
            BlkHarness.Chain c4 = h.chain().in(header(BlkSpec.T_WRITE_ZEROES, 0))
                    .in(BlkHarness.segment(0, BlkDevice.MAX_RANGE_SECTORS + 1, 0)).out(1);
            assertEquals(1, c4.submit());
            assertEquals(BlkSpec.S_IOERR, c4.status());
        }
        assertEquals(before, BlkImages.sha256(img));
    }

    @Test
    void s5_2_6_burstOfRequestsInOneKick() throws IOException {
        Path img = BlkImages.image(dir, "disk.img", 64 * 512);
        try (BlkDevice d = BlkImages.device(img, false, null); BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            for (int i = 0; i < 10; i++) {
                BlkHarness.Chain c = h.chain().in(header(BlkSpec.T_OUT, i)).in(BlkImages.pattern(512, i)).out(1);
                long[] a = {c.bufs.get(0).at().value(), c.bufs.get(1).at().value(), c.bufs.get(2).at().value()};
                assertTrue(h.queue().add(a, new int[] {16, 512, 1}, new boolean[] {false, false, true}, 3, false) >= 0);
            }
            h.driver.kick(0);
            int used = 0;
            while (h.queue().pollUsed()) {
                assertEquals(1, h.queue().usedLength());
                used++;
            }
            assertEquals(10, used);
            byte[] file = Files.readAllBytes(img);
            for (int i = 0; i < 10; i++) {
                assertArrayEquals(BlkImages.pattern(512, i), Arrays.copyOfRange(file, i * 512, i * 512 + 512));
            }
        }
    }
}
