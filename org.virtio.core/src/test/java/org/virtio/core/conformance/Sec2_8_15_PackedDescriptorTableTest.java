package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.virtio.core.conformance.ConformanceRig.FEAT_PACKED;
import static org.virtio.core.driver.PackedQueueDriver.F_AVAIL;
import static org.virtio.core.driver.PackedQueueDriver.F_USED;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.conformance.ConformanceRig.Used;
import org.virtio.core.driver.PackedQueueDriver;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/** VIRTIO 1.3 §2.8.15 Device Requirements: The Virtqueue Descriptor Table (packed ring). */
@DisplayName("2.8.15 Packed virtqueue: descriptor ring")
class Sec2_8_15_PackedDescriptorTableTest {
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, 8).mode(ScriptedDevice.Mode.MANUAL));
        rig.initOrFail(FEAT_PACKED, 8);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @Test
    @DisplayName("2.8.15 DEV-2.8.15-1: the device writes only device-writable buffers")
    void sec2_8_15_1_noWritesToReadableBuffers() {
        rig.add(0, new int[] {8, 8}, new int[] {4}, false);
        long[] a = rig.lastAddrs.clone();
        byte[] r0 = rig.read(a[0], 8);
        byte[] r1 = rig.read(a[1], 8);
        VirtQueue q = rig.vq(0);
        DescriptorChain c = q.pop();
        byte[] big = new byte[32];
        Arrays.fill(big, (byte) 0x5a);
        assertEquals(4, c.write(0, MemorySegment.ofArray(big), 0, 32));
        q.complete(c, 4);
        assertArrayEquals(r0, rig.read(a[0], 8));
        assertArrayEquals(r1, rig.read(a[1], 8));
        assertArrayEquals(new byte[] {0x5a, 0x5a, 0x5a, 0x5a}, rig.read(a[2], 4));
    }

    @Test
    @DisplayName("2.8.13 / DEV-2.8.15-2: a zero-initialised ring has nothing available")
    void sec2_8_15_2_zeroRingHasNothingAvailable() {
        assertNull(rig.vq(0).pop());
        assertFalse(rig.vq(0).isBroken());
    }

    @ParameterizedTest(name = "flags 0x{0}")
    @ValueSource(ints = {0, F_AVAIL | F_USED, F_USED})
    @DisplayName("2.8.15 DEV-2.8.15-2: a descriptor is used only once its AVAIL bit changed (AVAIL != USED, AVAIL = wrap)")
    void sec2_8_15_2_requiresAvailBitChange(int flags) {
        PackedQueueDriver p = rig.packed(0);
        long a = rig.alloc(4, 16);
        p.writeRaw(0, a, 4, 1, flags);
        assertNull(rig.vq(0).pop(), "flags " + Integer.toHexString(flags) + " do not make it available");
        assertFalse(rig.vq(0).isBroken());
        p.writeRaw(0, a, 4, 1, F_AVAIL);
        DescriptorChain c = rig.vq(0).pop();
        assertNotNull(c);
        assertEquals(1, c.id());
    }

    @Test
    @DisplayName("2.8.15 DEV-2.8.15-3: a used descriptor is not changed afterwards; other slots of the list are never written")
    void sec2_8_15_3_usedDescriptorNotChangedAfterwards() {
        VirtQueue q = rig.vq(0);
        long ring = rig.packed(0).descArea().value();
        int idA = rig.add(0, new int[] {4}, new int[] {4, 4}, false); // slots 0-2
        byte[] tail = rig.read(ring + 16, 32);
        q.complete(q.pop(), 8);
        assertArrayEquals(tail, rig.read(ring + 16, 32), "slots 1-2 of the list are not written");
        byte[] usedSlot = rig.read(ring, 16);
        rig.add(0, new int[] {4}, new int[] {}, false); // slot 3
        rig.add(0, new int[] {4}, new int[] {4}, false); // slots 4-5
        q.complete(q.pop(), 0);
        q.complete(q.pop(), 4);
        assertArrayEquals(usedSlot, rig.read(ring, 16), "the used descriptor at slot 0 did not change");
        List<Used> used = rig.drain(0);
        assertEquals(new Used(idA, 8), used.get(0));
        assertEquals(3, used.size());
    }
}
