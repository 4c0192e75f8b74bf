package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.virtio.core.conformance.ConformanceRig.FEAT_INDIRECT;
import static org.virtio.core.conformance.ConformanceRig.FEAT_PACKED;
import static org.virtio.core.conformance.ConformanceRig.RO_BASE;
import static org.virtio.core.driver.PackedQueueDriver.F_AVAIL;
import static org.virtio.core.driver.PackedQueueDriver.F_NEXT;
import static org.virtio.core.driver.PackedQueueDriver.F_USED;
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

/**
 * Part D, packed ring: descriptor lists that break §2.8.17 (Driver Requirements: Scatter-Gather Support)
 * or guest-memory bounds, each with the defined outcome and recovery by reset.
 */
@DisplayName("2.8.17 Packed virtqueue: malformed descriptor lists")
class Sec2_8_17_PackedListViolationsTest {
    private static final int SIZE = 8;
    private static final long FEATURES = FEAT_PACKED | FEAT_INDIRECT;
    private ConformanceRig rig;
    private PackedQueueDriver p;
    private long buf;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.withReadOnlyRegion(new ScriptedDevice(1, SIZE).mode(ScriptedDevice.Mode.CONSUME));
        rig.initOrFail(FEATURES, SIZE);
        p = rig.packed(0);
        buf = rig.alloc(64, 16);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    /** Writes a list into slots 0.., tail first, the head's flags last (as a driver must). */
    private void list(long[] addr, int[] len, int[] flags) {
        int avail = p.currentAvailFlags();
        for (int i = addr.length - 1; i >= 0; i--) {
            boolean last = i == addr.length - 1;
            p.writeRaw(i, addr[i], len[i], 3, flags[i] | avail | (last ? 0 : F_NEXT));
        }
    }

    private void expect(QueueError error) {
        rig.kick(0);
        rig.assertBroken(0, error);
        assertEquals(0, rig.driver.usedInterrupts(0), "nothing notified");
        assertEquals(0, rig.packedSlot(0, 0)[3] & F_USED, "nothing marked used");
        rig.assertRecovers(FEATURES, SIZE);
    }

    @Test
    @DisplayName("2.8.17 DRV-2.8.17-2: a list longer than the Queue Size (wraps onto its own head) -> CHAIN_TOO_LONG")
    void sec2_8_17_2_listLongerThanQueue() {
        int avail = p.currentAvailFlags();
        for (int i = SIZE - 1; i >= 0; i--) {
            p.writeRaw(i, buf, 8, 1, avail | F_NEXT);
        }
        expect(QueueError.CHAIN_TOO_LONG);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"WR", "RWR", "WWWR"})
    @DisplayName("2.8.17 DRV-2.8.17-3: a readable descriptor after a writable one -> READABLE_AFTER_WRITABLE")
    void sec2_8_17_3_readableAfterWritable(String rw) {
        int n = rw.length();
        long[] a = new long[n];
        int[] l = new int[n];
        int[] f = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = buf;
            l[i] = 8;
            f[i] = rw.charAt(i) == 'W' ? F_WRITE : 0;
        }
        list(a, l, f);
        expect(QueueError.READABLE_AFTER_WRITABLE);
    }

    @ParameterizedTest(name = "zero-length descriptor #{0}")
    @ValueSource(ints = {0, 1})
    @DisplayName("2.8.4 (device policy) a zero-length buffer -> ZERO_LENGTH_BUFFER")
    void sec2_8_4_zeroLength(int which) {
        list(new long[] {buf, buf}, new int[] {which == 0 ? 0 : 8, which == 1 ? 0 : 8}, new int[] {0, F_WRITE});
        expect(QueueError.ZERO_LENGTH_BUFFER);
    }

    @ParameterizedTest(name = "0x{0} + 0x{1}, writable={2}")
    @CsvSource({"100000, 1, false", "ffff8, 10, true", "180000, 10, false", "20fff0, 20, false",
        "fffffffffffffff0, 20, false", "ffffffffffffffff, 2, true", "0, ffffffff, false"})
    @DisplayName("2.8.4 a buffer outside guest RAM, or whose address + length overflows -> BUFFER_OUT_OF_RANGE")
    void sec2_8_4_bufferOutOfRange(String addrHex, String lenHex, boolean writable) {
        list(new long[] {buf, Long.parseUnsignedLong(addrHex, 16)}, new int[] {8, (int) Long.parseLong(lenHex, 16)},
                new int[] {0, writable ? F_WRITE : 0});
        expect(QueueError.BUFFER_OUT_OF_RANGE);
    }

    @Test
    @DisplayName("2.8.4 a device-writable buffer in read-only memory -> BUFFER_OUT_OF_RANGE")
    void sec2_8_4_writableInReadOnlyRegion() {
        list(new long[] {RO_BASE, RO_BASE + 64}, new int[] {16, 16}, new int[] {0, F_WRITE});
        expect(QueueError.BUFFER_OUT_OF_RANGE);
    }

    @Test
    @DisplayName("2.8.15 contrast: a head marked with the wrong wrap (AVAIL = USED) is simply not available")
    void sec2_8_15_wrongWrapIsNotAnError() {
        p.writeRaw(0, buf, 8, 1, F_AVAIL | F_USED);
        rig.kick(0);
        assertFalse(rig.vq(0).isBroken());
        assertEquals(0, rig.configInterruptsSinceInit());
        assertEquals(0, rig.device.seen.size());
    }
}
