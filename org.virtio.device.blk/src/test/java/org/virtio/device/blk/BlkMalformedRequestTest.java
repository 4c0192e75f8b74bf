package org.virtio.device.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.device.blk.BlkHarness.header;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken chains (VirtIO 1.3 §5.2.6, §2.7): each gets IOERR / UNSUPP or, with no status byte,
 * used length 0; nothing throws, the image is untouched, and the next good request is served.
 */
class BlkMalformedRequestTest {
    @TempDir
    Path dir;

    private Path img;
    private String before;

    private BlkHarness harness(BlkDevice d) {
        return new BlkHarness(d, BlkHarness.SPLIT);
    }

    private BlkDevice device() throws IOException {
        img = BlkImages.image(dir, "disk.img", 16 * 512);
        before = BlkImages.sha256(img);
        return BlkImages.device(img, false, null);
    }

    /** The device still serves: a write then a read of sector 15 round-trips. */
    private static void stillServing(BlkHarness h) {
        byte[] data = BlkImages.pattern(512, 99);
        assertEquals(BlkSpec.S_OK, h.writeSectors(15, data));
        BlkHarness.Chain r = h.readSectors(15, 512);
        assertEquals(BlkSpec.S_OK, r.status());
        assertArrayEquals(data, r.bytes(1));
    }

    @Test
    void s5_2_6_headerNotReadable() throws IOException {
        try (BlkDevice d = device(); BlkHarness h = harness(d)) {
            // The whole chain writable: no readable header; status is the last writable byte.
            BlkHarness.Chain c = h.chain().out(16).out(1);
            assertEquals(1, c.submit());
            assertEquals(BlkSpec.S_IOERR, c.status());
            // Header shorter than 16 bytes.
            BlkHarness.Chain s = h.chain().in(Arrays.copyOf(header(BlkSpec.T_OUT, 0), 12)).out(1);
            assertEquals(1, s.submit());
            assertEquals(BlkSpec.S_IOERR, s.status());
            assertEquals(before, BlkImages.sha256(img));
            stillServing(h);
        }
    }

    @Test
    void s5_2_6_statusNotWritableGivesLengthZero() throws IOException {
        try (BlkDevice d = device(); BlkHarness h = harness(d)) {
            for (int type : new int[] {BlkSpec.T_IN, BlkSpec.T_OUT, BlkSpec.T_FLUSH, BlkSpec.T_GET_ID, 77}) {
                BlkHarness.Chain c = h.chain().in(header(type, 0)).in(new byte[512]).in(new byte[1]);
                assertEquals(0, c.submit(), "type " + type);
            }
            assertEquals(5, d.metrics().errors());
            assertEquals(before, BlkImages.sha256(img));
            stillServing(h);
        }
    }

    @Test
    void s5_2_6_dataDirectionWrong() throws IOException {
        try (BlkDevice d = device(); BlkHarness h = harness(d)) {
            // IN with readable data.
            BlkHarness.Chain in = h.chain().in(header(BlkSpec.T_IN, 0)).in(new byte[512]).out(1);
            assertEquals(1, in.submit());
            assertEquals(BlkSpec.S_IOERR, in.status());
            // OUT with writable data.
            BlkHarness.Chain out = h.chain().in(header(BlkSpec.T_OUT, 0)).out(512).out(1);
            assertEquals(1, out.submit());
            assertEquals(BlkSpec.S_IOERR, out.status());
            byte[] untouched = new byte[512];
            Arrays.fill(untouched, (byte) 0xEE);
            assertArrayEquals(untouched, out.bytes(1), "OUT with writable data wrote into the guest");
            // FLUSH carrying data; GET_ID with readable data.
            BlkHarness.Chain fl = h.chain().in(header(BlkSpec.T_FLUSH, 0)).in(new byte[512]).out(1);
            assertEquals(1, fl.submit());
            assertEquals(BlkSpec.S_IOERR, fl.status());
            BlkHarness.Chain id = h.chain().in(header(BlkSpec.T_GET_ID, 0)).in(new byte[20]).out(21);
            assertEquals(1, id.submit());
            assertEquals(BlkSpec.S_IOERR, id.status());
            // DISCARD with its segment writable.
            BlkHarness.Chain dc = h.chain().in(header(BlkSpec.T_DISCARD, 0)).out(16).out(1);
            assertEquals(1, dc.submit());
            assertEquals(BlkSpec.S_IOERR, dc.status());
            assertEquals(before, BlkImages.sha256(img));
            stillServing(h);
        }
    }

    @Test
    void s5_2_6_dataNotMultipleOf512() throws IOException {
        try (BlkDevice d = device(); BlkHarness h = harness(d)) {
            BlkHarness.Chain out = h.chain().in(header(BlkSpec.T_OUT, 0)).in(new byte[513]).out(1);
            assertEquals(1, out.submit());
            assertEquals(BlkSpec.S_IOERR, out.status());
            BlkHarness.Chain in = h.chain().in(header(BlkSpec.T_IN, 0)).out(100).out(1);
            assertEquals(1, in.submit());
            assertEquals(BlkSpec.S_IOERR, in.status());
            byte[] untouched = new byte[100];
            Arrays.fill(untouched, (byte) 0xEE);
            assertArrayEquals(untouched, in.bytes(1));
            assertEquals(before, BlkImages.sha256(img));
            stillServing(h);
        }
    }

    @Test
    void s5_2_6_randomHeadersNeverThrowNorWriteOutsideTheImage() throws IOException {
        Random rnd = new Random(42);
        try (BlkDevice d = device(); BlkHarness h = new BlkHarness(d, BlkHarness.PACKED)) {
            for (int i = 0; i < 200; i++) {
                byte[] hdr = new byte[16];
                rnd.nextBytes(hdr);
                int type = new int[] {0, 1, 4, 8, 11, 13, rnd.nextInt()}[rnd.nextInt(7)];
                System.arraycopy(header(type, 0), 0, hdr, 0, 4);
                BlkHarness.Chain c = h.chain().in(hdr);
                if (rnd.nextBoolean()) {
                    c.in(BlkImages.pattern(16 * (1 + rnd.nextInt(40)), i));
                }
                if (rnd.nextBoolean()) {
                    c.out(1 + rnd.nextInt(1024));
                }
                int used = c.submit(rnd.nextBoolean());
                if (c.bufs.get(c.bufs.size() - 1).writable()) {
                    int status = c.status();
                    assertTrue(status <= BlkSpec.S_UNSUPP, "request " + i + " status " + status);
                    if (status != BlkSpec.S_OK) {
                        assertEquals(1, used, "request " + i);
                    } else {
                        assertTrue(used >= 1, "request " + i);
                    }
                } else {
                    assertEquals(0, used, "request " + i);
                }
            }
            assertEquals(16 * 512, img.toFile().length());
            stillServing(h);
        }
    }
}
