package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.virtio.core.conformance.ConformanceRig.FEAT_INDIRECT;
import static org.virtio.core.driver.SplitQueueDriver.F_INDIRECT;
import static org.virtio.core.driver.SplitQueueDriver.F_NEXT;
import static org.virtio.core.driver.SplitQueueDriver.F_WRITE;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.conformance.ConformanceRig.Used;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/** VIRTIO 1.3 §2.7.5.3 Indirect Descriptors (split ring), device requirements §2.7.5.3.2. */
@DisplayName("2.7.5.3 Split virtqueue: indirect descriptors")
class Sec2_7_5_3_IndirectDescriptorsTest {
    private static final int SIZE = 16;
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.withReadOnlyRegion(new ScriptedDevice(1, SIZE).mode(ScriptedDevice.Mode.MANUAL));
        rig.initOrFail(FEAT_INDIRECT, SIZE);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    private SplitQueueDriver d() {
        return rig.split(0);
    }

    private VirtQueue q() {
        return rig.vq(0);
    }

    @Test
    @DisplayName("2.7.5.3 an indirect table is walked as one chain: readable then writable, one used element")
    void sec2_7_5_3_indirectTableIsOneChain() {
        rig.device.mode(ScriptedDevice.Mode.ECHO);
        int id = rig.add(0, new int[] {4, 12}, new int[] {10, 6}, true);
        rig.kick(0);
        assertEquals(1, rig.device.seen.size());
        ScriptedDevice.Seen s = rig.device.seen.get(0);
        assertEquals(id, s.id());
        assertEquals(4, s.buffers());
        assertEquals(2, s.readable());
        assertEquals(16, s.readableBytes());
        assertEquals(16, s.writableBytes());
        assertEquals(java.util.List.of(new Used(id, 16)), rig.drain(0));
    }

    @Test
    @DisplayName("2.7.5.3.2 DEV-2.7.5.3.2-1: the WRITE flag on the descriptor that points at a table is ignored")
    void sec2_7_5_3_2_ignoresWriteFlagOnIndirectPointer() {
        long in = rig.alloc(8, 16);
        long out = rig.alloc(8, 16);
        rig.write(in, ConformanceRig.pattern(8, 3));
        long table = rig.alloc(32, 16);
        rig.splitDesc(table, in, 8, F_NEXT, 1);
        rig.splitDesc(table + 16, out, 8, F_WRITE, 0);
        d().writeDescriptor(5, table, 32, F_INDIRECT | F_WRITE, 0);
        d().publishHead(5);

        DescriptorChain c = q().pop();
        assertNotNull(c, "a WRITE-flagged indirect pointer is not malformed");
        assertEquals(5, c.id());
        assertEquals(2, c.bufferCount());
        assertEquals(1, c.readableCount(), "the table's own flags decide direction");
        assertFalse(c.isWritable(0));
        assertTrue(c.isWritable(1));
        assertEquals(in, c.address(0));
        assertEquals(out, c.address(1));
        q().complete(c, ScriptedDevice.echo(c));
        assertEquals(new Used(5, 8), rig.splitUsed(0, 0));
        assertArrayEquals(rig.read(in, 8), rig.read(out, 8));
    }

    @ParameterizedTest(name = "{0} direct descriptor(s) then one indirect")
    @ValueSource(ints = {0, 1, 2, 3})
    @DisplayName("2.7.5.3.2 DEV-2.7.5.3.2-2: zero or more direct descriptors followed by one indirect descriptor")
    void sec2_7_5_3_2_directDescriptorsFollowedByOneIndirect(int direct) {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        int[] heads = {9, 2, 14, 7};
        for (int k = 0; k < direct; k++) {
            long buf = rig.alloc(5 + k, 16);
            byte[] p = ConformanceRig.pattern(5 + k, 10 + k);
            rig.write(buf, p);
            expected.writeBytes(p);
            d().writeDescriptor(heads[k], buf, 5 + k, F_NEXT, heads[k + 1]);
        }
        long in = rig.alloc(7, 16);
        long out = rig.alloc(32, 16);
        byte[] p = ConformanceRig.pattern(7, 99);
        rig.write(in, p);
        expected.writeBytes(p);
        long table = rig.alloc(32, 16);
        rig.splitDesc(table, in, 7, F_NEXT, 1);
        rig.splitDesc(table + 16, out, 32, F_WRITE, 0);
        d().writeDescriptor(heads[direct], table, 32, F_INDIRECT, 0);
        d().publishHead(heads[0]);

        DescriptorChain c = q().pop();
        assertNotNull(c, () -> "rejected: " + q().error());
        assertEquals(heads[0], c.id());
        assertEquals(direct + 2, c.bufferCount());
        assertEquals(direct + 1, c.readableCount());
        byte[] got = new byte[(int) c.readableBytes()];
        c.read(0, MemorySegment.ofArray(got), 0, got.length);
        assertArrayEquals(expected.toByteArray(), got, "readable stream in chain order, table last");
        assertEquals(out, c.address(direct + 1));
        q().complete(c, 3);
        assertEquals(new Used(heads[0], 3), rig.splitUsed(0, 0));
    }

    @Test
    @DisplayName("2.7.5.3 next links inside an indirect table are followed (not table order)")
    void sec2_7_5_3_followsNextInsideTable() {
        long a = rig.alloc(4, 16);
        long b = rig.alloc(4, 16);
        long w = rig.alloc(4, 16);
        long table = rig.alloc(64, 16);
        rig.splitDesc(table, a, 4, F_NEXT, 3);
        rig.splitDesc(table + 16, w, 4, F_WRITE, 0);
        rig.splitDesc(table + 32, 0xdead_0000L, 4, 0, 0); // never reached
        rig.splitDesc(table + 48, b, 4, F_NEXT, 1);
        d().writeDescriptor(0, table, 64, F_INDIRECT, 0);
        d().publishHead(0);
        DescriptorChain c = q().pop();
        assertNotNull(c, () -> "rejected: " + q().error());
        assertEquals(3, c.bufferCount());
        assertEquals(a, c.address(0));
        assertEquals(b, c.address(1));
        assertEquals(w, c.address(2));
    }

    @Test
    @DisplayName("2.7.5.3 an indirect table in read-only guest memory is fine: the device only reads it")
    void sec2_7_5_3_indirectTableInReadOnlyMemory() {
        long in = rig.alloc(8, 16);
        long out = rig.alloc(8, 16);
        long table = ConformanceRig.RO_BASE + 0x100;
        rig.splitDesc(table, in, 8, F_NEXT, 1);
        rig.splitDesc(table + 16, out, 8, F_WRITE, 0);
        d().writeDescriptor(1, table, 32, F_INDIRECT, 0);
        d().publishHead(1);
        DescriptorChain c = q().pop();
        assertNotNull(c, () -> "rejected: " + q().error());
        assertEquals(2, c.bufferCount());
    }

    @Test
    @DisplayName("2.7.5.3.1 / 2.8.5 an indirect table may hold Queue Size descriptors (DRV-2.7.5.3.1-3 limit is inclusive)")
    void sec2_7_5_3_1_indirectTableOfQueueSizeDescriptorsIsAccepted() {
        long table = rig.alloc(16L * SIZE, 16);
        for (int k = 0; k < SIZE; k++) {
            long buf = rig.alloc(4, 16);
            boolean last = k == SIZE - 1;
            rig.splitDesc(table + 16L * k, buf, 4, (last ? F_WRITE : 0) | (last ? 0 : F_NEXT), k + 1);
        }
        d().writeDescriptor(3, table, 16 * SIZE, F_INDIRECT, 0);
        d().publishHead(3);
        DescriptorChain c = q().pop();
        assertNotNull(c, () -> "a chain of exactly Queue Size buffers was rejected: " + q().error());
        assertEquals(SIZE, c.bufferCount());
        assertFalse(q().isBroken());
    }

    @ParameterizedTest(name = "table at 16n + {0}")
    @ValueSource(ints = {1, 2, 4, 8, 12})
    @DisplayName("2.7.5.3 the spec sets no alignment for indirect tables: a misaligned table is read, nothing throws")
    void sec2_7_5_3_misalignedIndirectTable(int misalign) {
        long in = rig.alloc(8, 16);
        long out = rig.alloc(8, 16);
        long table = rig.alloc(48, 16) + misalign;
        rig.splitDesc(table, in, 8, F_NEXT, 1);
        rig.splitDesc(table + 16, out, 8, F_WRITE, 0);
        d().writeDescriptor(2, table, 32, F_INDIRECT, 0);
        d().publishHead(2);
        DescriptorChain c = org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> q().pop());
        assertNotNull(c, () -> "rejected: " + q().error());
        assertEquals(in, c.address(0));
        assertEquals(out, c.address(1));
        assertEquals(8, c.length(1));
    }

    @Test
    @DisplayName("2.7.5.3 a table larger than the chain it holds: entries after the last one are not read")
    void sec2_7_5_3_tableLongerThanChain() {
        long in = rig.alloc(8, 16);
        long table = rig.alloc(16L * 8, 16);
        rig.fill(table, 16 * 8, (byte) 0xff); // garbage everywhere ...
        rig.splitDesc(table, in, 8, 0, 0); // ... except the one entry the chain uses
        d().writeDescriptor(0, table, 16 * 8, F_INDIRECT, 0);
        d().publishHead(0);
        DescriptorChain c = q().pop();
        assertNotNull(c, () -> "rejected: " + q().error());
        assertEquals(1, c.bufferCount());
        assertNull(q().pop());
    }
}
