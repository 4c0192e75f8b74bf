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
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueError;

/**
 * Part D, split ring: DRV-2.7.4.2-1 "The driver MUST place any device-writable descriptor elements after
 * any device-readable descriptor elements", in direct chains, inside indirect tables and across the
 * direct-to-indirect boundary.
 */
@DisplayName("2.7.4.2 Split virtqueue: readable descriptor after a writable one")
class Sec2_7_4_2_MessageFramingViolationsTest {
    private static final int SIZE = 8;
    private ConformanceRig rig;
    private SplitQueueDriver d;
    private long buf;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, SIZE).mode(ScriptedDevice.Mode.CONSUME));
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
        assertEquals(0, d.deviceUsedIdx());
        rig.assertRecovers(FEAT_INDIRECT, SIZE);
    }

    /** Writes a direct chain from a pattern of 'R'/'W' letters at descriptors 0, 1, 2, ... */
    private void direct(String rw) {
        for (int i = 0; i < rw.length(); i++) {
            boolean last = i == rw.length() - 1;
            d.writeDescriptor(i, buf, 8, (rw.charAt(i) == 'W' ? F_WRITE : 0) | (last ? 0 : F_NEXT), i + 1);
        }
        d.publishHead(0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"WR", "RWR", "WWR", "RRWRW"})
    @DisplayName("2.7.4.2 DRV-2.7.4.2-1: direct chain with a readable after a writable -> READABLE_AFTER_WRITABLE")
    void sec2_7_4_2_1_directChain(String rw) {
        direct(rw);
        expect(QueueError.READABLE_AFTER_WRITABLE);
    }

    @Test
    @DisplayName("2.7.4.2 DRV-2.7.4.2-1: writable direct descriptor, then a table starting readable -> READABLE_AFTER_WRITABLE")
    void sec2_7_4_2_1_acrossIntoIndirectTable() {
        long table = rig.alloc(32, 16);
        rig.splitDesc(table, buf, 8, F_NEXT, 1);
        rig.splitDesc(table + 16, buf, 8, F_WRITE, 0);
        d.writeDescriptor(0, buf, 8, F_WRITE | F_NEXT, 1);
        d.writeDescriptor(1, table, 32, F_INDIRECT, 0);
        d.publishHead(0);
        expect(QueueError.READABLE_AFTER_WRITABLE);
    }

    @Test
    @DisplayName("2.7.4.2 DRV-2.7.4.2-1: inside an indirect table -> READABLE_AFTER_WRITABLE")
    void sec2_7_4_2_1_insideIndirectTable() {
        long table = rig.alloc(48, 16);
        rig.splitDesc(table, buf, 8, F_NEXT, 1);
        rig.splitDesc(table + 16, buf, 8, F_WRITE | F_NEXT, 2);
        rig.splitDesc(table + 32, buf, 8, 0, 0);
        d.writeDescriptor(0, table, 48, F_INDIRECT, 0);
        d.publishHead(0);
        expect(QueueError.READABLE_AFTER_WRITABLE);
    }

    @Test
    @DisplayName("2.7.4.2 contrast: writable direct descriptors followed by an all-writable table are fine")
    void sec2_7_4_2_writableThenWritableTable() {
        rig.device.mode(ScriptedDevice.Mode.MANUAL);
        long table = rig.alloc(32, 16);
        rig.splitDesc(table, buf, 8, F_WRITE | F_NEXT, 1);
        rig.splitDesc(table + 16, buf + 8, 8, F_WRITE, 0);
        d.writeDescriptor(0, buf + 32, 8, F_NEXT, 1);
        d.writeDescriptor(1, buf + 40, 8, F_WRITE | F_NEXT, 2);
        d.writeDescriptor(2, table, 32, F_INDIRECT, 0);
        d.publishHead(0);
        DescriptorChain c = rig.vq(0).pop();
        assertNotNull(c, () -> "rejected: " + rig.vq(0).error());
        assertEquals(4, c.bufferCount());
        assertEquals(1, c.readableCount());
    }
}
