package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.virtio.core.conformance.ConformanceRig.FEAT_INDIRECT;
import static org.virtio.core.driver.SplitQueueDriver.F_INDIRECT;
import static org.virtio.core.driver.SplitQueueDriver.F_NEXT;
import static org.virtio.core.driver.SplitQueueDriver.F_WRITE;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueError;

/** Part D, split ring: indirect descriptors that break §2.7.5.3.1 (Driver Requirements: Indirect Descriptors). */
@DisplayName("2.7.5.3.1 Split virtqueue: malformed indirect descriptors")
class Sec2_7_5_3_1_IndirectViolationsTest {
    private static final int SIZE = 8;
    private ConformanceRig rig;
    private SplitQueueDriver d;
    private long buf;
    private long features = FEAT_INDIRECT;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, SIZE).mode(ScriptedDevice.Mode.CONSUME));
        rig.initOrFail(features, SIZE);
        d = rig.split(0);
        buf = rig.alloc(64, 16);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    private void expect(QueueError error) {
        rig.kick(0);
        rig.assertBroken(0, error);
        assertEquals(0, d.deviceUsedIdx());
        rig.assertRecovers(features, SIZE);
    }

    /** A table of n readable entries chained 0 -> 1 -> ... at a fresh address. */
    private long table(int n) {
        long t = rig.alloc(16L * n, 16);
        for (int i = 0; i < n; i++) {
            rig.splitDesc(t + 16L * i, buf, 8, i + 1 < n ? F_NEXT : 0, i + 1);
        }
        return t;
    }

    @Test
    @DisplayName("2.7.5.3.1 DRV-2.7.5.3.1-1: INDIRECT without VIRTIO_F_INDIRECT_DESC -> INDIRECT_NOT_NEGOTIATED")
    void sec2_7_5_3_1_1_indirectNotNegotiated() {
        features = 0;
        rig.initOrFail(features, SIZE);
        d = rig.split(0);
        d.writeDescriptor(0, table(2), 32, F_INDIRECT, 0);
        d.publishHead(0);
        expect(QueueError.INDIRECT_NOT_NEGOTIATED);
    }

    @Test
    @DisplayName("2.7.5.3.1 DRV-2.7.5.3.1-2: INDIRECT inside an indirect table -> NESTED_INDIRECT")
    void sec2_7_5_3_1_2_nestedIndirect() {
        long inner = table(1);
        long outer = rig.alloc(32, 16);
        rig.splitDesc(outer, buf, 8, F_NEXT, 1);
        rig.splitDesc(outer + 16, inner, 16, F_INDIRECT, 0);
        d.writeDescriptor(0, outer, 32, F_INDIRECT, 0);
        d.publishHead(0);
        expect(QueueError.NESTED_INDIRECT);
    }

    @Test
    @DisplayName("2.7.5.3.1 DRV-2.7.5.3.1-4: INDIRECT together with NEXT -> INDIRECT_WITH_NEXT")
    void sec2_7_5_3_1_4_indirectWithNext() {
        d.writeDescriptor(0, table(2), 32, F_INDIRECT | F_NEXT, 1);
        d.writeDescriptor(1, buf, 8, F_WRITE, 0);
        d.publishHead(0);
        expect(QueueError.INDIRECT_WITH_NEXT);
    }

    @ParameterizedTest(name = "len {0}")
    @ValueSource(ints = {0, 8, 17, 40, 0xfffffff8})
    @DisplayName("2.7.5.3 (device policy) a table length of 0 or not a multiple of 16 -> INDIRECT_TABLE_LENGTH")
    void sec2_7_5_3_badTableLength(int len) {
        d.writeDescriptor(0, table(4), len, F_INDIRECT, 0);
        d.publishHead(0);
        expect(QueueError.INDIRECT_TABLE_LENGTH);
    }

    @ParameterizedTest(name = "table at 0x{0}, len 0x{1}")
    @CsvSource({"100000, 20", "fffe0, 40", "180000, 10", "fffffffffffffff0, 20", "0, fffffff0"})
    @DisplayName("2.7.5.3 a table outside guest RAM or overflowing -> BUFFER_OUT_OF_RANGE")
    void sec2_7_5_3_tableOutsideRam(String addrHex, String lenHex) {
        d.writeDescriptor(0, Long.parseUnsignedLong(addrHex, 16), (int) Long.parseLong(lenHex, 16), F_INDIRECT, 0);
        d.publishHead(0);
        expect(QueueError.BUFFER_OUT_OF_RANGE);
    }

    @Test
    @DisplayName("2.7.5.2 DRV-2.7.5.2-1: a loop inside an indirect table -> CHAIN_TOO_LONG")
    void sec2_7_5_2_1_loopInsideTable() {
        long t = rig.alloc(32, 16);
        rig.splitDesc(t, buf, 8, F_NEXT, 1);
        rig.splitDesc(t + 16, buf, 8, F_NEXT, 0);
        d.writeDescriptor(0, t, 32, F_INDIRECT, 0);
        d.publishHead(0);
        expect(QueueError.CHAIN_TOO_LONG);
    }

    @Test
    @DisplayName("2.7.5.3 next beyond the indirect table -> DESCRIPTOR_INDEX_OUT_OF_RANGE")
    void sec2_7_5_3_nextBeyondTable() {
        long t = rig.alloc(32, 16);
        rig.splitDesc(t, buf, 8, F_NEXT, 2);
        rig.splitDesc(t + 16, buf, 8, 0, 0);
        d.writeDescriptor(0, t, 32, F_INDIRECT, 0);
        d.publishHead(0);
        expect(QueueError.DESCRIPTOR_INDEX_OUT_OF_RANGE);
    }

    @Test
    @DisplayName("2.7.5.3.1 DRV-2.7.5.3.1-3: a table chaining more buffers than the Queue Size -> CHAIN_TOO_LONG")
    void sec2_7_5_3_1_3_tableLongerThanQueue() {
        d.writeDescriptor(0, table(SIZE + 1), 16 * (SIZE + 1), F_INDIRECT, 0);
        d.publishHead(0);
        expect(QueueError.CHAIN_TOO_LONG);
    }

    @ParameterizedTest(name = "{0} direct + 2 in the table")
    @ValueSource(ints = {SIZE - 1, SIZE})
    @DisplayName("2.7.5.3.1 DRV-2.7.5.3.1-3: direct descriptors plus a table, more than Queue Size buffers -> CHAIN_TOO_LONG")
    void sec2_7_5_3_1_3_directPlusTableTooLong(int direct) {
        // With SIZE direct descriptors the table pointer itself needs a ninth table entry: the chain loops.
        for (int i = 0; i < direct; i++) {
            d.writeDescriptor(i, buf, 8, F_NEXT, i + 1 < SIZE ? i + 1 : 0);
        }
        if (direct < SIZE) {
            d.writeDescriptor(direct, table(2), 32, F_INDIRECT, 0);
        }
        d.publishHead(0);
        expect(QueueError.CHAIN_TOO_LONG);
    }

    @Test
    @DisplayName("2.7.5.3.1 contrast: Queue Size - 2 direct descriptors plus a table of 2 is exactly the limit")
    void sec2_7_5_3_1_3_directPlusTableAtLimit() {
        rig.device.mode(ScriptedDevice.Mode.MANUAL);
        for (int i = 0; i < SIZE - 2; i++) {
            d.writeDescriptor(i, buf, 8, F_NEXT, i + 1);
        }
        d.writeDescriptor(SIZE - 2, table(2), 32, F_INDIRECT, 0);
        d.publishHead(0);
        DescriptorChain c = rig.vq(0).pop();
        assertNotNull(c, () -> "rejected: " + rig.vq(0).error());
        assertEquals(SIZE, c.bufferCount());
    }
}
