package org.virtio.core.iommu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.memory.Access;
import org.virtio.core.memory.AddressTranslator;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.GuestRam;
import org.virtio.core.memory.MemoryError;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueError;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.QueueState;
import org.virtio.core.queue.VirtQueue;
import org.virtio.core.queue.VirtQueues;

/** VIRTIO_F_ACCESS_PLATFORM: buffers are IOVAs translated page by page through the address-translation hook. */
class AccessPlatformTranslationTest {
    private static final long FEATURES = VirtioFeatures.bit(VirtioFeatures.VERSION_1)
            | VirtioFeatures.bit(VirtioFeatures.ACCESS_PLATFORM);
    private final GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), 1 << 20).build();
    private final PageTable iommu = new PageTable();
    private QueueError failure;

    @AfterEach
    void close() {
        ram.close();
    }

    /** A 4 KiB-granule IOMMU: iova page → gpa page, read-only or read-write. */
    static final class PageTable implements AddressTranslator {
        final Map<Long, long[]> pages = new HashMap<>();

        void map(long iova, long gpa, boolean writable) {
            pages.put(iova >>> 12, new long[] {gpa >>> 12, writable ? 1 : 0});
        }

        @Override
        public int granuleShift() {
            return 12;
        }

        @Override
        public long translate(long iova, Access access) throws GuestMemoryException {
            long[] e = pages.get(iova >>> 12);
            if (e == null || (access == Access.WRITE && e[1] == 0)) {
                throw new GuestMemoryException(MemoryError.TRANSLATION_FAULT, iova, 1);
            }
            return (e[0] << 12) | (iova & 0xfff);
        }
    }

    private VirtQueue open(SplitQueueDriver d) throws Exception {
        QueueState s = new QueueState(0, QueueFormat.SPLIT, d.size(), d.descArea(), d.driverArea(), d.deviceArea(), true, 0,
                true, 0, true, true);
        return VirtQueues.open(s, 256, ram, FEATURES, iommu, q -> { }, (q, e, detail) -> failure = e);
    }

    private SplitQueueDriver identityMappedRings() {
        SplitQueueDriver d = new SplitQueueDriver(ram, GuestAddress.of(0x10000), 16, FEATURES, 0);
        for (long p = 0x10000; p < 0x10000 + SplitQueueDriver.footprint(16, 0); p += 4096) {
            iommu.map(p, p, true);
        }
        return d;
    }

    @Test
    void aBufferSpanningScatteredPagesIsSplitAndReadInOrder() throws Exception {
        SplitQueueDriver d = identityMappedRings();
        // IOVA 0x4000_0000.. (3 pages) maps to gpa pages 0x80000, 0x30000, 0x50000: not contiguous.
        long[] gpaPages = {0x80000, 0x30000, 0x50000};
        for (int i = 0; i < 3; i++) {
            iommu.map(0x4000_0000L + 4096L * i, gpaPages[i], false);
            byte[] fill = new byte[4096];
            java.util.Arrays.fill(fill, (byte) (i + 1));
            ram.write(gpaPages[i], MemorySegment.ofArray(fill), 0, 4096);
        }
        VirtQueue q = open(d);
        // 6000 bytes starting 100 bytes into the first page: touches all three pages.
        d.add(new long[] {0x4000_0000L + 100}, new int[] {4096 * 2 + 100}, new boolean[] {false}, 1, false);
        DescriptorChain c = q.pop();
        assertEquals(3, c.bufferCount());
        assertEquals(0x80000 + 100, c.address(0));
        assertEquals(4096 - 100, c.length(0));
        assertEquals(0x30000, c.address(1));
        assertEquals(0x50000, c.address(2));
        assertEquals(4096 * 2 + 100, c.readableBytes());
        byte[] out = new byte[4096 * 2 + 100];
        assertEquals(out.length, c.read(0, MemorySegment.ofArray(out), 0, out.length));
        assertEquals(1, out[0]);
        assertEquals(1, out[4096 - 101]);
        assertEquals(2, out[4096 - 100]);
        assertEquals(3, out[out.length - 1]);
        q.complete(c, 0);
        assertNull(failure);
    }

    @Test
    void contiguousPiecesOfOneDescriptorAreMerged() throws Exception {
        SplitQueueDriver d = identityMappedRings();
        iommu.map(0x5000_0000L, 0x60000, true);
        iommu.map(0x5000_1000L, 0x61000, true);
        VirtQueue q = open(d);
        d.add(new long[] {0x5000_0000L}, new int[] {8192}, new boolean[] {true}, 1, false);
        DescriptorChain c = q.pop();
        assertEquals(1, c.bufferCount());
        assertEquals(0x60000, c.address(0));
        assertEquals(8192, c.length(0));
        byte[] data = {9, 8, 7};
        c.write(4095, MemorySegment.ofArray(data), 0, 3);
        byte[] back = new byte[3];
        ram.read(0x60fff, MemorySegment.ofArray(back), 0, 3);
        assertArrayEquals(data, back);
    }

    @Test
    void unmappedBufferIsATranslationFault() throws Exception {
        SplitQueueDriver d = identityMappedRings();
        VirtQueue q = open(d);
        d.add(new long[] {0x7000_0000L}, new int[] {64}, new boolean[] {false}, 1, false);
        assertNull(q.pop());
        assertTrue(q.isBroken());
        assertEquals(QueueError.TRANSLATION_FAULT, failure);
    }

    @Test
    void writeToAReadOnlyMappingIsATranslationFault() throws Exception {
        SplitQueueDriver d = identityMappedRings();
        iommu.map(0x5000_0000L, 0x60000, false);
        VirtQueue q = open(d);
        d.add(new long[] {0x5000_0000L}, new int[] {64}, new boolean[] {true}, 1, false);
        assertNull(q.pop());
        assertEquals(QueueError.TRANSLATION_FAULT, failure);
    }

    @Test
    void withoutAccessPlatformTheTranslatorIsNotUsed() throws Exception {
        SplitQueueDriver d = new SplitQueueDriver(ram, GuestAddress.of(0x10000), 16, FEATURES, 0);
        QueueState s = new QueueState(0, QueueFormat.SPLIT, 16, d.descArea(), d.driverArea(), d.deviceArea(), true, 0, true,
                0, true, true);
        VirtQueue q = VirtQueues.open(s, 256, ram, VirtioFeatures.bit(VirtioFeatures.VERSION_1), iommu, x -> { },
                (x, e, detail) -> failure = e);
        d.add(new long[] {0x30000}, new int[] {64}, new boolean[] {false}, 1, false);
        DescriptorChain c = q.pop();
        assertEquals(0x30000, c.address(0));
    }
}
