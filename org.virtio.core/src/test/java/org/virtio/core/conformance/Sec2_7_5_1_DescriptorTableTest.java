package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.FEAT_INDIRECT;
import static org.virtio.core.driver.SplitQueueDriver.F_NEXT;
import static org.virtio.core.driver.SplitQueueDriver.F_WRITE;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.virtio.core.conformance.ConformanceRig.Used;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/**
 * VIRTIO 1.3 §2.7.5.1 Device Requirements: The Virtqueue Descriptor Table, and §2.7.4.1 Message Framing
 * (split ring).
 */
@DisplayName("2.7.5.1 / 2.7.4.1 Split virtqueue: descriptor table and message framing")
class Sec2_7_5_1_DescriptorTableTest {
    private static final int SIZE = 8;
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.withReadOnlyRegion(new ScriptedDevice(1, SIZE));
        rig.initOrFail(FEAT_INDIRECT, SIZE);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @Test
    @DisplayName("2.7.5.1 DEV-2.7.5.1-2: the device never writes a descriptor table entry (direct or indirect)")
    void sec2_7_5_1_2_neverWritesDescriptorTable() {
        long table = rig.split(0).descArea().value();
        rig.add(0, new int[] {3, 5}, new int[] {8}, false);
        rig.add(0, new int[] {8}, new int[] {4, 4}, true);
        rig.add(0, new int[] {}, new int[] {16}, false);
        byte[] before = rig.read(table, 16 * SIZE);
        byte[] indirectBefore = rig.read(ConformanceRig.DRIVER_WINDOW, 0x2000);
        rig.kick(0);
        assertEquals(3, rig.drain(0).size());
        assertArrayEquals(before, rig.read(table, 16 * SIZE));
        byte[] indirectAfter = rig.read(ConformanceRig.DRIVER_WINDOW, 0x2000);
        // Only the used ring (inside this window) may change; descriptor bytes live elsewhere in it.
        long used = rig.split(0).deviceArea().value() - ConformanceRig.DRIVER_WINDOW;
        Arrays.fill(indirectBefore, (int) used, (int) used + 6 + 8 * SIZE + 2, (byte) 0);
        Arrays.fill(indirectAfter, (int) used, (int) used + 6 + 8 * SIZE + 2, (byte) 0);
        assertArrayEquals(indirectBefore, indirectAfter);
    }

    @Test
    @DisplayName("2.7.5.1 DEV-2.7.5.1-2: so a descriptor table in read-only memory works")
    void sec2_7_5_1_2_descriptorTableInReadOnlyMemory() {
        rig.host.setStatus(0);
        rig.initUpToDriverOk(0, SIZE);
        var d = rig.split(0);
        rig.host.setQueueAddresses(0, GuestAddress.of(ConformanceRig.RO_BASE), d.driverArea(), d.deviceArea());
        assertTrue(rig.driverOk(), () -> rig.host.needsResetReason());
        long in = rig.alloc(8, 16);
        long out = rig.alloc(8, 16);
        rig.write(in, ConformanceRig.pattern(8, 1));
        rig.splitDesc(ConformanceRig.RO_BASE + 16 * 2, in, 8, F_NEXT, 5);
        rig.splitDesc(ConformanceRig.RO_BASE + 16 * 5, out, 8, F_WRITE, 0);
        d.publishHead(2);
        rig.kick(0);
        assertEquals(new Used(2, 8), rig.splitUsed(0, 0));
        assertArrayEquals(rig.read(in, 8), rig.read(out, 8));
    }

    @Test
    @DisplayName("2.7.5.1 DEV-2.7.5.1-1: the device writes only device-writable buffers")
    void sec2_7_5_1_1_neverWritesReadableBuffers() {
        rig.device.mode(ScriptedDevice.Mode.MANUAL);
        rig.add(0, new int[] {8, 8}, new int[] {4}, false);
        long r0 = rig.lastAddrs[0];
        long r1 = rig.lastAddrs[1];
        byte[] b0 = rig.read(r0, 8);
        byte[] b1 = rig.read(r1, 8);
        VirtQueue q = rig.vq(0);
        DescriptorChain c = q.pop();
        byte[] big = new byte[64];
        Arrays.fill(big, (byte) 0x77);
        assertEquals(4, c.write(0, MemorySegment.ofArray(big), 0, 64), "the writable stream ends after 4 bytes");
        assertEquals(0, c.write(4, MemorySegment.ofArray(big), 0, 64));
        q.complete(c, 4);
        assertArrayEquals(b0, rig.read(r0, 8));
        assertArrayEquals(b1, rig.read(r1, 8));
        assertEquals(List.of(new Used(c.id(), 4)), rig.drain(0));
    }

    @Test
    @DisplayName("2.7.4.1 DEV-2.7.4.1-1: no assumption on framing: a header split over descriptors reads as one stream")
    void sec2_7_4_1_1_headerSplitAcrossDescriptors() {
        rig.device.mode(ScriptedDevice.Mode.MANUAL);
        int[] lens = {1, 2, 5, 3};
        rig.add(0, lens, new int[] {1, 10}, false);
        byte[] expected = new byte[11];
        int at = 0;
        for (int i = 0; i < lens.length; i++) {
            System.arraycopy(ConformanceRig.pattern(lens[i], i), 0, expected, at, lens[i]);
            at += lens[i];
        }
        DescriptorChain c = rig.vq(0).pop();
        assertEquals(6, c.bufferCount());
        assertEquals(4, c.readableCount());
        byte[] got = new byte[11];
        assertEquals(11, c.read(0, MemorySegment.ofArray(got), 0, 11));
        assertArrayEquals(expected, got);
        byte[] mid = new byte[4];
        assertEquals(4, c.read(2, MemorySegment.ofArray(mid), 0, 4), "a read starting inside the second buffer");
        assertArrayEquals(Arrays.copyOfRange(expected, 2, 6), mid);
        assertEquals(11, c.writableBytes());
        assertEquals(11, c.write(0, MemorySegment.ofArray(got), 0, 11), "the writable stream spans two buffers");
        assertArrayEquals(expected, concat(rig.read(rig.lastAddrs[4], 1), rig.read(rig.lastAddrs[5], 10)));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    @DisplayName("2.7.4.1 DEV-2.7.4.1-1: chains of only readable or only writable buffers are fine")
    void sec2_7_4_1_1_singleDirectionChains() {
        int a = rig.add(0, new int[] {4, 4, 4}, new int[] {}, false);
        int b = rig.add(0, new int[] {}, new int[] {4, 4}, false);
        rig.kick(0);
        assertEquals(List.of(new Used(a, 0), new Used(b, 8)), rig.drain(0));
        ScriptedDevice.Seen s = rig.device.seen.get(1);
        assertEquals(0, s.readable());
        assertEquals(2, s.buffers());
    }

    @Test
    @DisplayName("2.7.5.3.1 a chain of exactly Queue Size descriptors is accepted (and its order is the next order)")
    void sec2_7_5_3_1_chainOfQueueSizeDescriptors() {
        rig.device.mode(ScriptedDevice.Mode.MANUAL);
        var d = rig.split(0);
        int[] order = {3, 0, 7, 1, 6, 2, 5, 4}; // next links jump back and forth
        long[] addrs = new long[SIZE];
        for (int k = 0; k < SIZE; k++) {
            addrs[k] = rig.alloc(4, 16);
            boolean last = k == SIZE - 1;
            d.writeDescriptor(order[k], addrs[k], 4, (last ? 0 : F_NEXT) | (k >= 6 ? F_WRITE : 0),
                    last ? 0 : order[k + 1]);
        }
        d.publishHead(order[0]);
        DescriptorChain c = rig.vq(0).pop();
        assertNotNull(c, () -> "rejected: " + rig.vq(0).error());
        assertEquals(SIZE, c.bufferCount());
        assertEquals(6, c.readableCount());
        for (int k = 0; k < SIZE; k++) {
            assertEquals(addrs[k], c.address(k));
        }
        assertEquals(order[0], c.id());
    }

    @Test
    @DisplayName("2.7.6 the free-running available and used indices wrap at 2^16")
    void sec2_7_6_indicesWrapAt65536() {
        rig.host.setStatus(0);
        rig.device.mode(ScriptedDevice.Mode.CONSUME);
        rig.initOrFail(0, 2);
        var d = rig.split(0);
        long buf = rig.alloc(4, 16);
        int total = 65536 + 5;
        for (int i = 0; i < total; i++) {
            int id = d.add(new long[] {buf}, new int[] {4}, new boolean[] {false}, 1, false);
            rig.host.notifyQueue(0);
            assertTrue(d.pollUsed());
            assertEquals(id, d.usedId());
        }
        assertEquals(total & 0xffff, d.deviceUsedIdx());
        assertFalse(rig.vq(0).isBroken());
        assertEquals(0, rig.host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
    }
}
