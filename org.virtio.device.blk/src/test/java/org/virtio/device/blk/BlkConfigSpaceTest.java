package org.virtio.device.blk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** struct virtio_blk_config (VirtIO 1.3 §5.2.4) read through the host at the spec's offsets. */
class BlkConfigSpaceTest {
    @TempDir
    Path dir;

    @Test
    void s5_2_4_fieldsAtSpecOffsets() throws IOException {
        long size = 3L * 1024 * 1024 + 512 + 17;
        try (BlkDevice d = BlkImages.device(BlkImages.image(dir, "disk.img", size), false, null);
                BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            assertEquals(60, h.host.configSize());
            assertEquals(size / 512, h.host.readConfig(0, 8), "capacity");
            assertEquals(size / 512, h.host.readConfig(0, 4) | h.host.readConfig(4, 4) << 32, "capacity as two u32");
            assertEquals(0, h.host.readConfig(8, 4), "size_max");
            assertEquals(254, h.host.readConfig(12, 4), "seg_max");
            assertEquals(0, h.host.readConfig(16, 4), "geometry");
            assertEquals(512, h.host.readConfig(20, 4), "blk_size");
            assertEquals(0, h.host.readConfig(24, 8), "topology");
            assertEquals(0, h.host.readConfig(32, 1), "writeback");
            assertEquals(0, h.host.readConfig(33, 1), "unused0");
            assertEquals(1, h.host.readConfig(34, 2), "num_queues");
            assertEquals(BlkDevice.MAX_RANGE_SECTORS, h.host.readConfig(36, 4), "max_discard_sectors");
            assertEquals(1, h.host.readConfig(40, 4), "max_discard_seg");
            assertEquals(1, h.host.readConfig(44, 4), "discard_sector_alignment");
            assertEquals(BlkDevice.MAX_RANGE_SECTORS, h.host.readConfig(48, 4), "max_write_zeroes_sectors");
            assertEquals(1, h.host.readConfig(52, 4), "max_write_zeroes_seg");
            assertEquals(0, h.host.readConfig(56, 1), "write_zeroes_may_unmap");
            assertEquals(0, h.host.readConfig(57, 2) | h.host.readConfig(59, 1), "unused1");
        }
    }

    @Test
    void s5_2_4_configWritesAreIgnored() throws IOException {
        try (BlkDevice d = BlkImages.device(BlkImages.image(dir, "disk.img", 4096), false, null);
                BlkHarness h = new BlkHarness(d, BlkHarness.SPLIT)) {
            h.host.writeConfig(32, 1, 1);
            h.host.writeConfig(0, 4, 99);
            assertEquals(0, h.host.readConfig(32, 1));
            assertEquals(8, h.host.readConfig(0, 8));
        }
    }
}
