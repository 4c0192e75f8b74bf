package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.virtio.core.conformance.ConformanceRig.FEAT_INDIRECT;
import static org.virtio.core.conformance.ConformanceRig.FEAT_PACKED;
import static org.virtio.core.conformance.ConformanceRig.RO_BASE;
import static org.virtio.core.driver.PackedQueueDriver.F_INDIRECT;
import static org.virtio.core.driver.PackedQueueDriver.F_NEXT;
import static org.virtio.core.driver.PackedQueueDriver.F_WRITE;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.driver.PackedQueueDriver;
import org.virtio.core.queue.QueueError;

/** Part D, packed ring: indirect descriptors that break §2.8.19 (Driver Requirements: Indirect Descriptors). */
@DisplayName("2.8.19 Packed virtqueue: malformed indirect descriptors")
class Sec2_8_19_PackedIndirectViolationsTest {
    private static final int SIZE = 8;
    private ConformanceRig rig;
    private PackedQueueDriver p;
    private long buf;
    private long features = FEAT_PACKED | FEAT_INDIRECT;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.withReadOnlyRegion(new ScriptedDevice(1, SIZE).mode(ScriptedDevice.Mode.CONSUME));
        rig.initOrFail(features, SIZE);
        p = rig.packed(0);
        buf = rig.alloc(64, 16);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    private void expect(QueueError error) {
        rig.kick(0);
        rig.assertBroken(0, error);
        assertEquals(0, rig.driver.usedInterrupts(0));
        rig.assertRecovers(features, SIZE);
    }

    /** A table of n entries; entry k writable when k >= firstWritable. */
    private long table(int n, int firstWritable) {
        long t = rig.alloc(16L * n, 16);
        for (int k = 0; k < n; k++) {
            rig.packedDesc(t + 16L * k, buf, 8, 0, k >= firstWritable ? F_WRITE : 0);
        }
        return t;
    }

    private void head(long addr, int len, int flags) {
        p.writeRaw(0, addr, len, 1, flags | p.currentAvailFlags());
    }

    @Test
    @DisplayName("2.8.19 DRV-2.8.19-1: INDIRECT without VIRTIO_F_INDIRECT_DESC -> INDIRECT_NOT_NEGOTIATED")
    void sec2_8_19_1_indirectNotNegotiated() {
        features = FEAT_PACKED;
        rig.initOrFail(features, SIZE);
        p = rig.packed(0);
        head(table(2, 1), 32, F_INDIRECT);
        expect(QueueError.INDIRECT_NOT_NEGOTIATED);
    }

    @Test
    @DisplayName("2.8.19 DRV-2.8.19-2: INDIRECT inside the table -> NESTED_INDIRECT")
    void sec2_8_19_2_nestedIndirect() {
        long t = table(2, 2);
        rig.packedDesc(t + 16, table(1, 1), 16, 0, F_INDIRECT);
        head(t, 32, F_INDIRECT);
        expect(QueueError.NESTED_INDIRECT);
    }

    @Test
    @DisplayName("2.8.19 DRV-2.8.19-4: INDIRECT with NEXT -> INDIRECT_WITH_NEXT")
    void sec2_8_19_4_indirectWithNext() {
        p.writeRaw(1, buf, 8, 1, F_WRITE | p.currentAvailFlags());
        head(table(2, 1), 32, F_INDIRECT | F_NEXT);
        expect(QueueError.INDIRECT_WITH_NEXT);
    }

    @Test
    @DisplayName("2.8.19 DRV-2.8.19-4: an INDIRECT descriptor reached through NEXT (mixed list) -> INDIRECT_WITH_NEXT")
    void sec2_8_19_4_directThenIndirect() {
        p.writeRaw(1, table(2, 1), 32, 1, F_INDIRECT | p.currentAvailFlags());
        head(buf, 8, F_NEXT);
        expect(QueueError.INDIRECT_WITH_NEXT);
    }

    @ParameterizedTest(name = "len {0}")
    @ValueSource(ints = {0, 8, 24, 0xfffffff8})
    @DisplayName("2.8.7 (device policy) a table length of 0 or not a multiple of 16 -> INDIRECT_TABLE_LENGTH")
    void sec2_8_7_badTableLength(int len) {
        head(table(4, 2), len, F_INDIRECT);
        expect(QueueError.INDIRECT_TABLE_LENGTH);
    }

    @Test
    @DisplayName("2.8.19 DRV-2.8.19-3: a table of more than Queue Size entries -> CHAIN_TOO_LONG")
    void sec2_8_19_3_tableTooLong() {
        head(table(SIZE + 1, 4), 16 * (SIZE + 1), F_INDIRECT);
        expect(QueueError.CHAIN_TOO_LONG);
    }

    @ParameterizedTest(name = "table at 0x{0}")
    @CsvSource({"100000", "ffff0", "180000", "fffffffffffffff0"})
    @DisplayName("2.8.7 a table outside guest RAM -> BUFFER_OUT_OF_RANGE")
    void sec2_8_7_tableOutsideRam(String addrHex) {
        head(Long.parseUnsignedLong(addrHex, 16), 32, F_INDIRECT);
        expect(QueueError.BUFFER_OUT_OF_RANGE);
    }

    @Test
    @DisplayName("2.8.17 DRV-2.8.17-3 inside a table: readable after writable -> READABLE_AFTER_WRITABLE")
    void sec2_8_17_3_readableAfterWritableInTable() {
        long t = table(3, 0);
        rig.packedDesc(t + 32, buf, 8, 0, 0);
        head(t, 48, F_INDIRECT);
        expect(QueueError.READABLE_AFTER_WRITABLE);
    }

    @Test
    @DisplayName("2.8.7 a zero-length entry in a table -> ZERO_LENGTH_BUFFER")
    void sec2_8_7_zeroLengthEntry() {
        long t = table(2, 1);
        rig.packedDesc(t + 16, buf, 0, 0, F_WRITE);
        head(t, 32, F_INDIRECT);
        expect(QueueError.ZERO_LENGTH_BUFFER);
    }

    @Test
    @DisplayName("2.8.7 a writable table entry in read-only memory -> BUFFER_OUT_OF_RANGE")
    void sec2_8_7_writableEntryInReadOnlyMemory() {
        long t = table(2, 1);
        rig.packedDesc(t + 16, RO_BASE, 8, 0, F_WRITE);
        head(t, 32, F_INDIRECT);
        expect(QueueError.BUFFER_OUT_OF_RANGE);
    }
}
