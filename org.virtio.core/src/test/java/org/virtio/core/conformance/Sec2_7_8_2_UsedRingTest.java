package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.conformance.ConformanceRig.Used;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/** VIRTIO 1.3 §2.7.8.2 Device Requirements: The Virtqueue Used Ring (split ring). */
@DisplayName("2.7.8.2 Split virtqueue: used ring")
class Sec2_7_8_2_UsedRingTest {
    private ConformanceRig rig;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(2, 8).mode(ScriptedDevice.Mode.MANUAL));
        rig.initOrFail(0, 8);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @Test
    @DisplayName("2.7.8.2 DEV-2.7.8.2-1: len (and id) are set before the used idx is updated")
    void sec2_7_8_2_1_lenBeforeIdx() {
        int id = rig.addSimple(0);
        VirtQueue q = rig.vq(0);
        DescriptorChain c = q.pop();
        q.add(c, 5);
        assertEquals(new Used(id, 5), rig.splitUsed(0, 0), "element written at add()");
        assertEquals(0, rig.split(0).deviceUsedIdx(), "idx not yet moved");
        q.flush();
        assertEquals(1, rig.split(0).deviceUsedIdx());
        assertEquals(List.of(new Used(id, 5)), rig.drain(0));
    }

    @Test
    @DisplayName("2.7.8.2 DEV-2.7.8.2-2: len bytes are written from the first device-writable buffer on")
    void sec2_7_8_2_2_writesLenBytesFromFirstWritableBuffer() {
        rig.device.mode(ScriptedDevice.Mode.ECHO);
        int id = rig.add(0, new int[] {10}, new int[] {4, 8}, false);
        long in = rig.lastAddrs[0];
        long w0 = rig.lastAddrs[1];
        long w1 = rig.lastAddrs[2];
        rig.kick(0);
        assertEquals(List.of(new Used(id, 10)), rig.drain(0));
        byte[] src = rig.read(in, 10);
        byte[] got = new byte[10];
        System.arraycopy(rig.read(w0, 4), 0, got, 0, 4);
        System.arraycopy(rig.read(w1, 6), 0, got, 4, 6);
        assertArrayEquals(src, got);
        assertArrayEquals(new byte[2], java.util.Arrays.copyOfRange(rig.read(w1, 8), 6, 8), "nothing past len");
    }

    @Test
    @DisplayName("2.6 the device reports 0 bytes written for a chain without writable buffers")
    void sec2_6_zeroLengthForReadOnlyChain() {
        rig.device.mode(ScriptedDevice.Mode.CONSUME);
        int id = rig.add(0, new int[] {16, 16}, new int[] {}, false);
        rig.kick(0);
        assertEquals(List.of(new Used(id, 0)), rig.drain(0));
    }

    @ParameterizedTest(name = "written {0}")
    @ValueSource(ints = {-1, 9, Integer.MAX_VALUE})
    @DisplayName("2.7.8.2 a device claiming more than the writable bytes is a device bug: rejected before the ring")
    void sec2_7_8_2_overclaimedLengthRejected(int written) {
        rig.addSimple(0);
        VirtQueue q = rig.vq(0);
        DescriptorChain c = q.pop();
        assertThrows(IllegalArgumentException.class, () -> q.add(c, written));
        q.flush();
        assertEquals(0, rig.split(0).deviceUsedIdx(), "nothing published");
        assertFalse(q.isBroken(), "a device bug is not the guest's fault");
        assertEquals(1, q.inFlight());
        q.complete(c, 8);
        assertEquals(1, rig.drain(0).size());
    }

    @Test
    @DisplayName("2.7.8 a chain is used once: adding it twice, or to another queue, is refused")
    void sec2_7_8_chainUsedOnce() {
        rig.addSimple(0);
        rig.addSimple(1);
        VirtQueue q0 = rig.vq(0);
        VirtQueue q1 = rig.vq(1);
        DescriptorChain c0 = q0.pop();
        DescriptorChain c1 = q1.pop();
        assertThrows(IllegalArgumentException.class, () -> q0.add(c1, 0));
        q0.complete(c0, 0);
        assertThrows(IllegalArgumentException.class, () -> q0.add(c0, 0));
        q1.complete(c1, 0);
        assertEquals(1, rig.drain(0).size());
        assertEquals(1, rig.drain(1).size());
        assertTrue(q0.inFlight() == 0 && q1.inFlight() == 0);
    }
}
