package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.virtio.core.conformance.ConformanceRig.FEAT_INDIRECT;
import static org.virtio.core.conformance.ConformanceRig.RO_BASE;
import static org.virtio.core.conformance.ConformanceRig.RO_SIZE;
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

/**
 * Part D, split ring: descriptor chains that break §2.7.5.2 (Driver Requirements: The Virtqueue Descriptor
 * Table) or guest-memory bounds. Each gives the defined outcome: pop() returns null, the queue is broken
 * with the expected {@link QueueError}, the device is DEVICE_NEEDS_RESET with one config notification,
 * nothing is used or notified, and reset + re-initialisation recovers.
 */
@DisplayName("2.7.5.2 Split virtqueue: malformed descriptor chains")
class Sec2_7_5_2_DescriptorTableViolationsTest {
    private static final int SIZE = 8;
    private ConformanceRig rig;
    private SplitQueueDriver d;
    private long buf;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.withReadOnlyRegion(new ScriptedDevice(1, SIZE).mode(ScriptedDevice.Mode.CONSUME));
        rig.initOrFail(FEAT_INDIRECT, SIZE);
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
        assertEquals(0, d.deviceUsedIdx(), "nothing used");
        assertEquals(0, rig.driver.usedInterrupts(0), "nothing notified");
        rig.assertRecovers(FEAT_INDIRECT, SIZE);
    }

    @ParameterizedTest(name = "loop of {0}")
    @ValueSource(ints = {1, 2, 3, SIZE})
    @DisplayName("2.7.5.2 DRV-2.7.5.2-1: a loop in the chain -> CHAIN_TOO_LONG")
    void sec2_7_5_2_1_loop(int loop) {
        for (int i = 0; i < loop; i++) {
            d.writeDescriptor(i, buf, 8, F_NEXT, (i + 1) % loop);
        }
        d.publishHead(0);
        expect(QueueError.CHAIN_TOO_LONG);
    }

    @Test
    @DisplayName("2.7.5.3.1 DRV-2.7.5.3.1-3: a chain longer than the queue (all descriptors, then one again) -> CHAIN_TOO_LONG")
    void sec2_7_5_3_1_3_chainLongerThanQueue() {
        for (int i = 0; i < SIZE; i++) {
            d.writeDescriptor(i, buf, 8, F_NEXT | (i >= 4 ? F_WRITE : 0), i + 1 < SIZE ? i + 1 : 5);
        }
        d.publishHead(0);
        expect(QueueError.CHAIN_TOO_LONG);
    }

    @ParameterizedTest(name = "next = {0}")
    @ValueSource(ints = {SIZE, SIZE + 1, 0x7fff, 0xffff})
    @DisplayName("2.7.5 next beyond the descriptor table -> DESCRIPTOR_INDEX_OUT_OF_RANGE")
    void sec2_7_5_nextOutOfRange(int next) {
        d.writeDescriptor(2, buf, 8, F_NEXT, next);
        d.publishHead(2);
        expect(QueueError.DESCRIPTOR_INDEX_OUT_OF_RANGE);
    }

    @ParameterizedTest(name = "head = {0}")
    @ValueSource(ints = {SIZE, 100, 0xffff})
    @DisplayName("2.7.6 a head index beyond the descriptor table -> DESCRIPTOR_INDEX_OUT_OF_RANGE")
    void sec2_7_6_headOutOfRange(int head) {
        d.publishHead(head);
        expect(QueueError.DESCRIPTOR_INDEX_OUT_OF_RANGE);
    }

    @ParameterizedTest(name = "zero-length descriptor #{0}")
    @ValueSource(ints = {0, 1, 2})
    @DisplayName("2.7.5 (device policy) a zero-length buffer -> ZERO_LENGTH_BUFFER")
    void sec2_7_5_zeroLengthBuffer(int which) {
        for (int i = 0; i < 3; i++) {
            d.writeDescriptor(i, buf, i == which ? 0 : 8, (i < 2 ? F_NEXT : 0) | (i == 2 ? F_WRITE : 0), i + 1);
        }
        d.publishHead(0);
        expect(QueueError.ZERO_LENGTH_BUFFER);
    }

    @ParameterizedTest(name = "0x{0} + {1}, writable={2}")
    @CsvSource({
        "100000, 1, false", // first byte after RAM
        "ffffc, 8, false", // straddles the end of RAM
        "180000, 16, true", // in the hole between RAM and the ROM
        "20fffc, 8, false", // straddles the end of the ROM
        "fff00, 512, true", // writable, straddles the end of RAM
        "100000000, 1, false", // far above
        "7fffffffffffffff, 1, true"})
    @DisplayName("2.7.5 a buffer outside guest RAM -> BUFFER_OUT_OF_RANGE")
    void sec2_7_5_bufferOutsideGuestRam(String addrHex, int len, boolean writable) {
        long addr = Long.parseUnsignedLong(addrHex, 16);
        d.writeDescriptor(0, buf, 8, F_NEXT, 1);
        d.writeDescriptor(1, addr, len, writable ? F_WRITE : 0, 0);
        d.publishHead(0);
        expect(QueueError.BUFFER_OUT_OF_RANGE);
    }

    @ParameterizedTest(name = "0x{0} + 0x{1}")
    @CsvSource({"fffffffffffffff0, 20", "ffffffffffffffff, 2", "fffffffffffff000, ffffffff", "fffff, ffffffff"})
    @DisplayName("2.7.5 a buffer whose address + length overflows (or exceeds RAM by 4 GiB) -> BUFFER_OUT_OF_RANGE")
    void sec2_7_5_addressPlusLengthOverflows(String addrHex, String lenHex) {
        long addr = Long.parseUnsignedLong(addrHex, 16);
        int len = (int) Long.parseLong(lenHex, 16);
        d.writeDescriptor(4, addr, len, F_WRITE, 0);
        d.publishHead(4);
        expect(QueueError.BUFFER_OUT_OF_RANGE);
    }

    @Test
    @DisplayName("2.7.5 a device-writable buffer in read-only guest memory -> BUFFER_OUT_OF_RANGE")
    void sec2_7_5_writableBufferInReadOnlyRegion() {
        d.writeDescriptor(0, buf, 8, F_NEXT, 1);
        d.writeDescriptor(1, RO_BASE + 0x100, 16, F_WRITE, 0);
        d.publishHead(0);
        expect(QueueError.BUFFER_OUT_OF_RANGE);
    }

    @Test
    @DisplayName("2.7.5 contrast: a device-readable buffer in read-only memory is fine")
    void sec2_7_5_readableBufferInReadOnlyRegion() {
        rig.device.mode(ScriptedDevice.Mode.MANUAL);
        d.writeDescriptor(0, RO_BASE, (int) RO_SIZE, F_NEXT, 1);
        d.writeDescriptor(1, buf, 8, F_WRITE, 0);
        d.publishHead(0);
        DescriptorChain c = rig.vq(0).pop();
        assertNotNull(c, () -> "rejected: " + rig.vq(0).error());
        assertEquals(RO_SIZE, c.readableBytes());
        rig.vq(0).complete(c, 8);
        assertEquals(1, d.deviceUsedIdx());
    }

    @Test
    @DisplayName("2.7.13 the driver re-exposes descriptors still in flight (more chains than the queue size) -> TOO_MANY_IN_FLIGHT")
    void sec2_7_13_tooManyInFlight() {
        rig.device.mode(ScriptedDevice.Mode.HOLD);
        d.writeDescriptor(0, buf, 8, F_WRITE, 0);
        for (int i = 0; i < SIZE; i++) {
            d.publishHead(0);
        }
        rig.kick(0);
        assertEquals(SIZE, rig.device.held.size());
        d.publishHead(0);
        expect(QueueError.TOO_MANY_IN_FLIGHT);
    }
}
