package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.FEAT_INDIRECT;
import static org.virtio.core.conformance.ConformanceRig.FEAT_PACKED;
import static org.virtio.core.driver.PackedQueueDriver.F_AVAIL;
import static org.virtio.core.driver.PackedQueueDriver.F_INDIRECT;
import static org.virtio.core.driver.PackedQueueDriver.F_NEXT;
import static org.virtio.core.driver.PackedQueueDriver.F_USED;
import static org.virtio.core.driver.PackedQueueDriver.F_WRITE;

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

/** VIRTIO 1.3 §2.8.7 Indirect Flag: Scatter-Gather Support (packed ring; device side of §2.8.19). */
@DisplayName("2.8.7 Packed virtqueue: indirect descriptors")
class Sec2_8_7_PackedIndirectDescriptorsTest {
    private static final int SIZE = 8;
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, SIZE).mode(ScriptedDevice.Mode.MANUAL));
        rig.initOrFail(FEAT_PACKED | FEAT_INDIRECT, SIZE);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    private PackedQueueDriver p() {
        return rig.packed(0);
    }

    private VirtQueue q() {
        return rig.vq(0);
    }

    @Test
    @DisplayName("2.8.7 an indirect table is one list in one ring slot; the used descriptor skips one slot")
    void sec2_8_7_indirectTableIsOneList() {
        rig.device.mode(ScriptedDevice.Mode.ECHO);
        int id = rig.add(0, new int[] {6, 2}, new int[] {3, 5}, true);
        rig.kick(0);
        ScriptedDevice.Seen s = rig.device.seen.get(0);
        assertEquals(4, s.buffers());
        assertEquals(2, s.readable());
        assertEquals(List.of(new Used(id, 8)), rig.drain(0));
        assertEquals(1, q().state().nextAvail());
        assertEquals(1, q().state().nextUsed());
    }

    @Test
    @DisplayName("2.8.7 WRITE on the descriptor with INDIRECT is reserved and ignored; the id comes from it")
    void sec2_8_7_ignoresWriteFlagOnIndirectDescriptor() {
        long in = rig.alloc(8, 16);
        long out = rig.alloc(8, 16);
        long table = rig.alloc(32, 16);
        rig.packedDesc(table, in, 8, 0, 0);
        rig.packedDesc(table + 16, out, 8, 0, F_WRITE);
        p().writeRaw(0, table, 32, 6, p().currentAvailFlags() | F_INDIRECT | F_WRITE);
        DescriptorChain c = q().pop();
        assertNotNull(c, () -> "rejected: " + q().error());
        assertEquals(6, c.id());
        assertEquals(1, c.readableCount());
        assertEquals(2, c.bufferCount());
    }

    @Test
    @DisplayName("2.8.7 flags other than WRITE and the buffer id inside a table are reserved and ignored")
    void sec2_8_7_ignoresReservedFlagsAndIdsInTable() {
        long[] b = {rig.alloc(4, 16), rig.alloc(4, 16), rig.alloc(4, 16)};
        long table = rig.alloc(48, 16);
        rig.packedDesc(table, b[0], 4, 0xbeef, F_NEXT | F_AVAIL);
        rig.packedDesc(table + 16, b[1], 4, 0x1234, F_USED);
        rig.packedDesc(table + 32, b[2], 4, 7, F_WRITE | F_NEXT | F_AVAIL | F_USED);
        p().writeRaw(0, table, 48, 2, p().currentAvailFlags() | F_INDIRECT);
        DescriptorChain c = q().pop();
        assertNotNull(c, () -> "rejected: " + q().error());
        assertEquals(3, c.bufferCount(), "a packed table is an array: every entry is used");
        assertEquals(2, c.readableCount());
        for (int i = 0; i < 3; i++) {
            assertEquals(b[i], c.address(i));
        }
        assertEquals(2, c.id());
    }

    @Test
    @DisplayName("2.8.5 / 2.8.19 a table of Queue Size entries is within the limit")
    void sec2_8_19_tableOfQueueSizeEntries() {
        long table = rig.alloc(16L * SIZE, 16);
        for (int k = 0; k < SIZE; k++) {
            rig.packedDesc(table + 16L * k, rig.alloc(4, 16), 4, 0, k < 4 ? 0 : F_WRITE);
        }
        p().writeRaw(0, table, 16 * SIZE, 1, p().currentAvailFlags() | F_INDIRECT);
        DescriptorChain c = q().pop();
        assertNotNull(c, () -> "rejected: " + q().error());
        assertEquals(SIZE, c.bufferCount());
    }

    @Test
    @DisplayName("2.8.5 direct and indirect lists may be mixed in one ring, each list of one kind")
    void sec2_8_5_mixingDirectAndIndirectLists() {
        rig.device.mode(ScriptedDevice.Mode.ECHO);
        int a = rig.add(0, new int[] {4}, new int[] {4}, false);
        int b = rig.add(0, new int[] {4}, new int[] {4}, true);
        int c = rig.add(0, new int[] {4}, new int[] {4}, false);
        rig.kick(0);
        assertEquals(List.of(new Used(a, 4), new Used(b, 4), new Used(c, 4)), rig.drain(0));
        assertFalse(q().isBroken());
    }

    @ParameterizedTest(name = "table at 16n + {0}")
    @ValueSource(ints = {1, 4, 8})
    @DisplayName("2.8.7 a misaligned indirect table is read without an exception escaping")
    void sec2_8_7_misalignedTable(int misalign) {
        long in = rig.alloc(8, 16);
        long table = rig.alloc(48, 16) + misalign;
        rig.packedDesc(table, in, 8, 0, 0);
        rig.packedDesc(table + 16, in, 8, 0, F_WRITE);
        p().writeRaw(0, table, 32, 3, p().currentAvailFlags() | F_INDIRECT);
        DescriptorChain c = assertDoesNotThrow(() -> q().pop());
        assertNotNull(c, () -> "rejected: " + q().error());
        assertEquals(2, c.bufferCount());
        assertTrue(c.isWritable(1));
    }
}
