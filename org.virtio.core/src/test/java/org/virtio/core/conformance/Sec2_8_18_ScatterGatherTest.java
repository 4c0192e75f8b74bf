package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.FEAT_PACKED;
import static org.virtio.core.driver.PackedQueueDriver.F_NEXT;
import static org.virtio.core.driver.PackedQueueDriver.F_WRITE;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.virtio.core.conformance.ConformanceRig.Used;
import org.virtio.core.driver.PackedQueueDriver;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/** VIRTIO 1.3 §2.8.18 Device Requirements: Scatter-Gather Support (packed ring), with §2.8.6 chaining. */
@DisplayName("2.8.18 Packed virtqueue: scatter-gather lists")
class Sec2_8_18_ScatterGatherTest {
    private static final int SIZE = 8;
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, SIZE).mode(ScriptedDevice.Mode.MANUAL));
        rig.initOrFail(FEAT_PACKED, SIZE);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @Test
    @DisplayName("2.8.18 DEV-2.8.18-1: descriptors of a list are used in the order they were made available")
    void sec2_8_18_1_listOrder() {
        rig.add(0, new int[] {3, 9}, new int[] {5, 7, 11}, false);
        long[] a = rig.lastAddrs.clone();
        DescriptorChain c = rig.vq(0).pop();
        assertEquals(5, c.bufferCount());
        assertEquals(2, c.readableCount());
        int[] lens = {3, 9, 5, 7, 11};
        for (int i = 0; i < 5; i++) {
            assertEquals(a[i], c.address(i));
            assertEquals(lens[i], c.length(i));
        }
        assertEquals(12, c.readableBytes());
        assertEquals(23, c.writableBytes());
    }

    @Test
    @DisplayName("2.8.5 a list of exactly Queue Size descriptors is accepted")
    void sec2_8_5_listOfQueueSize() {
        int[] w = new int[SIZE];
        java.util.Arrays.fill(w, 2);
        int id = rig.add(0, new int[] {}, w, false);
        assertTrue(id >= 0);
        DescriptorChain c = rig.vq(0).pop();
        assertNotNull(c, () -> "rejected: " + rig.vq(0).error());
        assertEquals(SIZE, c.bufferCount());
        rig.vq(0).complete(c, 2 * SIZE);
        assertEquals(List.of(new Used(id, 2 * SIZE)), rig.drain(0));
    }

    @Test
    @DisplayName("2.8.6 the buffer id is taken from the last descriptor of the list")
    void sec2_8_6_bufferIdFromLastDescriptor() {
        PackedQueueDriver p = rig.packed(0);
        int avail = p.currentAvailFlags();
        long a = rig.alloc(4, 16);
        p.writeRaw(2, a, 4, 5, avail | F_WRITE);
        p.writeRaw(1, a, 4, 12, avail | F_NEXT | F_WRITE);
        p.writeRaw(0, a, 4, 11, avail | F_NEXT);
        VirtQueue q = rig.vq(0);
        DescriptorChain c = q.pop();
        assertNotNull(c);
        assertEquals(5, c.id());
        q.complete(c, 3);
        long[] slot = rig.packedSlot(0, 0);
        assertEquals(5, slot[2], "used descriptor carries the buffer id");
        assertEquals(3, slot[1], "and the written length");
    }

    @Test
    @DisplayName("2.8.6 after a list the device skips forward by its length (one used descriptor per list)")
    void sec2_8_6_skipsForwardByListLength() {
        VirtQueue q = rig.vq(0);
        int a = rig.add(0, new int[] {4, 4}, new int[] {4}, false); // slots 0-2
        int b = rig.add(0, new int[] {4}, new int[] {}, false); // slot 3
        DescriptorChain ca = q.pop();
        DescriptorChain cb = q.pop();
        assertEquals(a, ca.id());
        assertEquals(b, cb.id());
        q.add(ca, 4);
        q.add(cb, 0);
        q.flush();
        assertEquals(a, rig.packedSlot(0, 0)[2]);
        assertEquals(b, rig.packedSlot(0, 3)[2], "the second used descriptor follows the first list");
        assertEquals(List.of(new Used(a, 4), new Used(b, 0)), rig.drain(0));
        assertEquals(4, q.state().nextAvail());
        assertEquals(4, q.state().nextUsed());
    }
}
