package org.virtio.device.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.memory.GuestAddress;

/** virtio-console driven through the core's simulated driver (VirtIO 1.3 §5.3). */
class ConsoleDeviceTest {
    private static final int RX = ConsoleDevice.RECEIVE_QUEUE;
    private static final int TX = ConsoleDevice.TRANSMIT_QUEUE;

    private final MemoryConsoleBackend backend = new MemoryConsoleBackend();

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void s5_3_deviceShape() {
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        assertEquals(DeviceType.CONSOLE, d.deviceType());
        assertEquals(0, d.deviceFeatures());
        assertEquals(2, d.queueCount());
        assertEquals(256, d.maxQueueSize(RX));
        assertEquals(256, d.maxQueueSize(TX));
        assertEquals(0, d.configSize());
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT)) {
            assertTrue(backend.open, "DRIVER_OK must open the backend");
            h.host.setStatus(0);
            assertFalse(backend.open, "reset must close the backend");
        }
    }

    @Test
    void s5_3_6_transmitOneDescriptor() {
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT)) {
            assertEquals(0, h.transmit("hello\n"));
            assertArrayEquals(ascii("hello\n"), backend.output());
            assertEquals(6, d.metrics().bytesOut());
        }
    }

    @Test
    void s5_3_6_transmitSeveralDescriptorsDirectIndirectSplitAndPacked() {
        for (long features : new long[] {ConsoleHarness.SPLIT, ConsoleHarness.PACKED}) {
            MemoryConsoleBackend b = new MemoryConsoleBackend();
            ConsoleDevice d = new ConsoleDevice(b, 1024);
            try (ConsoleHarness h = new ConsoleHarness(d, features)) {
                ByteArrayOutputStream expected = new ByteArrayOutputStream();
                for (int i = 0; i < 50; i++) {
                    byte[] msg = ascii("hello " + i + "\n");
                    int cut = Math.min(1 + i % 3, msg.length - 2);
                    assertEquals(0, h.transmit(msg, new int[] {cut, 1, msg.length - cut - 1}, i % 2 == 1));
                    expected.writeBytes(msg);
                }
                assertArrayEquals(expected.toByteArray(), b.output());
                assertEquals(50, d.metrics().transmitRequests());
            }
        }
    }

    @Test
    void s5_3_6_manyTransmitsInOneKickStayInOrder() {
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT)) {
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            for (int i = 0; i < 40; i++) {
                byte[] msg = ascii("line " + i + "\n");
                GuestAddress a = h.buffer(msg.length);
                h.write(a, msg, 0, msg.length);
                h.add(TX, new GuestAddress[] {a}, new int[] {msg.length}, new boolean[] {false}, false);
                expected.writeBytes(msg);
            }
            h.driver.kick(TX);
            for (int i = 0; i < 40; i++) {
                assertEquals(0, h.usedLength(TX), "request " + i);
            }
            assertEquals(-1, h.usedLength(TX));
            assertArrayEquals(expected.toByteArray(), backend.output());
        }
    }

    @Test
    void s5_3_6_transmitLargerThanOneChunk() {
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT)) {
            byte[] big = new byte[ConsoleDevice.TRANSMIT_CHUNK * 2 + 123];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 7 + 1);
            }
            assertEquals(0, h.transmit(big, new int[] {100, big.length - 100}, false));
            assertArrayEquals(big, backend.output());
        }
    }

    @Test
    void s5_3_6_1_transmitWithWritableBufferGetsLengthZeroAndIsNotOutput() {
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT)) {
            GuestAddress ro = h.buffer(4);
            h.write(ro, ascii("oops"), 0, 4);
            GuestAddress rw = h.buffer(8);
            h.post(TX, new GuestAddress[] {ro, rw}, new int[] {4, 8}, new boolean[] {false, true}, false);
            assertEquals(0, h.usedLength(TX));
            assertEquals(0, backend.output().length);
            assertEquals(1, d.metrics().emptyRequests());
            assertEquals(0, h.transmit("still here"));
            assertArrayEquals(ascii("still here"), backend.output());
            assertEquals(0, h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
        }
    }

    @Test
    void s5_3_6_inputBeforeBuffersIsDeliveredInOrderAcrossSmallBuffers() {
        for (long features : new long[] {ConsoleHarness.SPLIT, ConsoleHarness.PACKED}) {
            MemoryConsoleBackend b = new MemoryConsoleBackend();
            ConsoleDevice d = new ConsoleDevice(b, 1024);
            try (ConsoleHarness h = new ConsoleHarness(d, features)) {
                b.push(ascii("abcdefg"));
                b.push(ascii("hij"));
                assertEquals(-1, h.usedLength(RX), "nothing to deliver into yet");
                GuestAddress[] bufs = {h.buffer(4), h.buffer(4), h.buffer(4), h.buffer(4)};
                for (GuestAddress a : bufs) {
                    h.add(RX, new GuestAddress[] {a}, new int[] {4}, new boolean[] {true}, false);
                }
                h.driver.kick(RX);
                assertEquals(4, h.usedLength(RX));
                assertEquals(4, h.usedLength(RX));
                assertEquals(2, h.usedLength(RX));
                assertEquals(-1, h.usedLength(RX), "the fourth buffer waits for more input");
                assertArrayEquals(ascii("abcd"), h.read(bufs[0], 4));
                assertArrayEquals(ascii("efgh"), h.read(bufs[1], 4));
                assertArrayEquals(ascii("ij"), h.read(bufs[2], 2));
                b.push(ascii("Z"));
                assertEquals(1, h.usedLength(RX), "input arriving later fills the held buffer");
                assertArrayEquals(ascii("Z"), h.read(bufs[3], 1));
                assertEquals(11, d.metrics().bytesIn());
                assertEquals(0, d.metrics().droppedInput());
            }
        }
    }

    @Test
    void s5_3_6_inputFillsMultiDescriptorAndIndirectReceiveChains() {
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT)) {
            GuestAddress a = h.buffer(3);
            GuestAddress c = h.buffer(5);
            h.post(RX, new GuestAddress[] {a, c}, new int[] {3, 5}, new boolean[] {true, true}, true);
            backend.push(ascii("0123456789"));
            assertEquals(8, h.usedLength(RX));
            assertArrayEquals(ascii("012"), h.read(a, 3));
            assertArrayEquals(ascii("34567"), h.read(c, 5));
            GuestAddress e = h.buffer(16);
            h.postReceive(e, 16);
            assertEquals(2, h.usedLength(RX), "the rest was kept for the next buffer");
            assertArrayEquals(ascii("89"), h.read(e, 2));
        }
    }

    @Test
    void s5_3_6_receiveChainWithoutWritableBufferGetsLengthZero() {
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT)) {
            backend.push(ascii("xy"));
            GuestAddress ro = h.buffer(8);
            h.post(RX, new GuestAddress[] {ro}, new int[] {8}, new boolean[] {false}, false);
            assertEquals(0, h.usedLength(RX));
            assertArrayEquals(new byte[8], h.read(ro, 8));
            assertEquals(1, d.metrics().emptyRequests());
            GuestAddress rw = h.buffer(8);
            assertTrue(h.postReceive(rw, 8) >= 0);
            assertEquals(2, h.usedLength(RX));
            assertArrayEquals(ascii("xy"), h.read(rw, 2));
        }
    }

    @Test
    void inputOverflowDropsOldestAndCounts() {
        ConsoleDevice d = new ConsoleDevice(backend, 8);
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT)) {
            backend.push(ascii("012345"));
            backend.push(ascii("6789"));       // 10 bytes into 8: "01" dropped
            backend.push(ascii("ABCDEFGHIJKL")); // 12 bytes alone exceed 8: everything before "EFGHIJKL" dropped
            assertEquals(2 + 8 + 4, d.metrics().droppedInput());
            GuestAddress a = h.buffer(32);
            h.postReceive(a, 32);
            assertEquals(8, h.usedLength(RX));
            assertArrayEquals(ascii("EFGHIJKL"), h.read(a, 8));
            assertEquals(8, d.metrics().bytesIn());
        }
    }

    @Test
    void s2_1_2_failingOutputSetsDeviceNeedsResetAndNothingThrows() {
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT)) {
            backend.failWrites = true;
            assertEquals(-1, h.transmit("lost\n"), "a failed request must not be completed");
            assertTrue((h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET) != 0);
            assertTrue(h.host.needsResetReason().contains(ConsoleError.OUTPUT_FAILED.message()), h.host.needsResetReason());
            assertEquals(1, d.metrics().outputFailures());
            assertTrue(h.driver.configInterrupts() >= 1, "no configuration change notification");
            // Input no longer reaches the guest; nothing throws.
            GuestAddress a = h.buffer(8);
            h.postReceive(a, 8);
            backend.push(ascii("ignored"));
            assertEquals(-1, h.usedLength(RX));
            // After a reset and re-initialisation the device works again.
            backend.failWrites = false;
            assertTrue(h.driver.initialize(ConsoleHarness.SPLIT, 64));
            assertEquals(0, h.transmit("back\n"));
            assertArrayEquals(ascii("back\n"), backend.output());
        }
    }

    @Test
    void s2_1_2_outputThatCannotOpenSetsDeviceNeedsReset() {
        backend.failOpen = true;
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT, false)) {
            assertTrue((h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET) != 0);
            assertTrue(h.host.needsResetReason().contains(ConsoleError.OUTPUT_UNAVAILABLE.message()));
        }
    }

    @Test
    void s2_4_resetStopsDelivery() {
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT)) {
            GuestAddress a = h.buffer(8);
            h.postReceive(a, 8);
            backend.push(ascii("one"));
            assertEquals(3, h.usedLength(RX));
            GuestAddress b = h.buffer(8);
            h.postReceive(b, 8);  // held by the device
            backend.push(ascii("pending"));
            assertEquals(7, h.usedLength(RX));
            h.postReceive(h.buffer(8), 8);
            h.host.setStatus(0);
            backend.push(ascii("after reset"));
            assertEquals(-1, h.usedLength(RX), "a reset device must not touch the rings");
            assertEquals(11, d.metrics().droppedInput());
            // A fresh initialisation starts clean.
            assertTrue(h.driver.initialize(ConsoleHarness.SPLIT, 64));
            GuestAddress c = h.buffer(8);
            h.postReceive(c, 8);
            backend.push(ascii("new"));
            assertEquals(3, h.usedLength(RX));
            assertArrayEquals(ascii("new"), h.read(c, 3));
        }
    }

    @Test
    void quiesceReturnsHeldReceiveBuffers() {
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT)) {
            h.postReceive(h.buffer(8), 8);
            h.postReceive(h.buffer(8), 8);
            h.host.quiesce();
            assertEquals(0, h.usedLength(RX));
            assertEquals(0, h.usedLength(RX));
            backend.push(ascii("kept"));
            assertEquals(-1, h.usedLength(RX));
            h.host.resume();
            GuestAddress a = h.buffer(8);
            h.postReceive(a, 8);
            assertEquals(4, h.usedLength(RX));
            assertArrayEquals(ascii("kept"), h.read(a, 4));
        }
    }

    @Test
    void s2_6_1_queueResetDropsHeldReceiveChainsAndTheNewRingIsServed() {
        long features = ConsoleHarness.SPLIT | VirtioFeatures.bit(VirtioFeatures.RING_RESET);
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, features)) {
            assertTrue(VirtioFeatures.has(h.host.driverFeatures(), VirtioFeatures.RING_RESET));
            GuestAddress old1 = h.buffer(8);
            GuestAddress old2 = h.buffer(8);
            h.postReceive(old1, 8); // both held by the device: no input yet
            h.postReceive(old2, 8);
            QueueDriver oldRx = h.rx();

            h.host.resetQueue(RX);
            backend.push(ascii("gone"));
            assertEquals(-1, h.usedLength(RX), "nothing is used on the reset queue");
            assertEquals(0, h.transmit("tx still works\n"), "the transmit queue keeps working");

            // Re-enable receiveq with a new, smaller ring elsewhere.
            QueueDriver rx = new SplitQueueDriver(h.ram, h.driver.allocate(SplitQueueDriver.footprint(16, 4), 4096), 16,
                    features, 4);
            h.host.setQueueSize(RX, 16);
            h.host.setQueueAddresses(RX, rx.descArea(), rx.driverArea(), rx.deviceArea());
            h.host.setQueueReady(RX, true);
            GuestAddress fresh = h.buffer(8);
            assertTrue(rx.add(new long[] {fresh.value()}, new int[] {8}, new boolean[] {true}, 1, false) >= 0);
            h.host.notifyQueue(RX);

            // Had the old chains been kept, they would be filled first and the new buffer would stay empty.
            backend.push(ascii("new"));
            assertTrue(rx.pollUsed(), "input reaches the re-enabled queue's buffer");
            assertEquals(3, rx.usedLength());
            assertArrayEquals(ascii("new"), h.read(fresh, 3));
            assertFalse(oldRx.pollUsed(), "the chains held from the old ring are never used");
            assertArrayEquals(new byte[8], h.read(old1, 8));
            assertArrayEquals(new byte[8], h.read(old2, 8));
        }
    }

    @Test
    void queueResetOfTransmitKeepsReceiveChains() {
        long features = ConsoleHarness.SPLIT | VirtioFeatures.bit(VirtioFeatures.RING_RESET);
        ConsoleDevice d = new ConsoleDevice(backend, 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, features)) {
            GuestAddress a = h.buffer(8);
            h.postReceive(a, 8);
            h.host.resetQueue(TX);
            backend.push(ascii("kept"));
            assertEquals(4, h.usedLength(RX), "the held receive chain is still served");
            assertArrayEquals(ascii("kept"), h.read(a, 4));
        }
    }
}
