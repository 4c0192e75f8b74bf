package org.virtio.device.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.memory.GuestAddress;

/** virtio-net driven through the core's simulated driver, over an in-memory backend (VirtIO 1.3 §5.1). */
class NetDeviceTest {
    private static final int RX = NetHarness.RX;
    private static final int TX = NetHarness.TX;
    private static final byte[] MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

    private final MemoryNetBackend backend = new MemoryNetBackend();

    private NetDevice device(int mtu, boolean merge, int rxQueueFrames) {
        return new NetDevice(backend, MAC, mtu, merge, rxQueueFrames);
    }

    @Test
    void s5_1_deviceShapeFeaturesAndConfig() {
        NetDevice d = device(1500, true, 16);
        assertEquals(DeviceType.NET, d.deviceType());
        assertEquals(1, d.deviceType());
        assertEquals(VirtioFeatures.bit(3) | VirtioFeatures.bit(5) | VirtioFeatures.bit(15) | VirtioFeatures.bit(16),
                d.deviceFeatures());
        assertEquals(VirtioFeatures.bit(5) | VirtioFeatures.bit(16), device(0, false, 16).deviceFeatures(),
                "no MTU and no MRG_RXBUF unless configured");
        assertEquals(2, d.queueCount());
        assertEquals(1024, d.maxQueueSize(RX));
        assertEquals(1024, d.maxQueueSize(TX));
        assertThrows(IndexOutOfBoundsException.class, () -> d.maxQueueSize(2));
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT_MRG)) {
            assertEquals(12, h.host.configSize());
            for (int i = 0; i < 6; i++) {
                assertEquals(MAC[i] & 0xff, h.host.readConfig(i, 1), "mac byte " + i);
            }
            assertEquals(1, h.host.readConfig(6, 2), "status: VIRTIO_NET_S_LINK_UP");
            assertEquals(1, h.host.readConfig(8, 2), "max_virtqueue_pairs");
            assertEquals(1500, h.host.readConfig(10, 2), "mtu");
            h.host.writeConfig(0, 4, 0);
            assertEquals(0x52, h.host.readConfig(0, 1), "config is read-only");
            assertEquals("52:54:00:12:34:56", d.mac());
        } finally {
            d.close();
        }
    }

    @Test
    void s5_1_6_2_transmittedFramesReachTheBackendIntact() {
        for (long features : new long[] {NetHarness.SPLIT, NetHarness.PACKED_MRG}) {
            MemoryNetBackend b = new MemoryNetBackend();
            NetDevice d = new NetDevice(b, MAC, 0, true, 16);
            try (NetHarness h = new NetHarness(d, features)) {
                byte[][] frames = {NetHarness.frame(60, 1), NetHarness.frame(1514, 2), NetHarness.frame(14, 3),
                    NetHarness.frame(65535, 4)};
                int[] cuts = {0, 5, 12, 30000}; // header split, header/frame boundary, frame split
                for (int i = 0; i < frames.length; i++) {
                    assertEquals(0, h.transmit(NetHarness.header(), frames[i], cuts[i]), "frame " + i);
                }
                List<byte[]> sent = b.sent();
                assertEquals(frames.length, sent.size());
                for (int i = 0; i < frames.length; i++) {
                    assertArrayEquals(frames[i], sent.get(i), "frame " + i);
                }
                assertEquals(frames.length, d.metrics().txFrames());
                assertEquals(60 + 1514 + 14 + 65535, d.metrics().txBytes());
            } finally {
                d.close();
            }
        }
    }

    @Test
    void malformedTransmitChainsAreReturnedUnsentAndCounted() {
        NetDevice d = device(0, true, 16);
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT_MRG)) {
            byte[] hdr = NetHarness.header();
            byte[] flags = NetHarness.header();
            flags[NetSpec.HDR_FLAGS] = 1; // NEEDS_CSUM without VIRTIO_NET_F_CSUM
            byte[] gso = NetHarness.header();
            gso[NetSpec.HDR_GSO_TYPE] = 1; // TCPV4 without GSO features
            assertEquals(0, h.transmit(new byte[8], new byte[0], 0), "8 bytes: no whole header");
            assertEquals(0, h.transmit(hdr, new byte[13], 0), "frame shorter than an Ethernet header");
            assertEquals(0, h.transmit(hdr, new byte[65536], 0), "frame over 65535 bytes");
            assertEquals(0, h.transmit(flags, NetHarness.frame(60, 0), 0));
            assertEquals(0, h.transmit(gso, NetHarness.frame(60, 0), 0));
            // Wrong direction: header and frame readable plus a writable buffer.
            GuestAddress a = h.buffer(72);
            h.write(a, new byte[72]);
            h.add(TX, new GuestAddress[] {a, h.buffer(16)}, new int[] {72, 16}, new boolean[] {false, true});
            h.driver.kick(TX);
            assertEquals(0, h.usedLength(TX));
            assertEquals(6, d.metrics().malformedChains());
            assertEquals(0, backend.sent().size(), "no malformed frame may be sent");
            assertEquals(0, h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
            assertEquals(0, h.transmit(hdr, NetHarness.frame(60, 9), 0));
            assertEquals(1, backend.sent().size(), "the device keeps serving");
        } finally {
            d.close();
        }
    }

    @Test
    void backendRefusingAFrameIsCountedAsDropped() {
        NetDevice d = device(0, true, 16);
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT)) {
            backend.acceptSends = false;
            assertEquals(0, h.transmit(NetHarness.header(), NetHarness.frame(60, 0), 0));
            assertEquals(1, d.metrics().txDropped());
            assertEquals(0, d.metrics().txFrames());
        } finally {
            d.close();
        }
    }

    @Test
    void s5_1_6_3_receivedFrameFillsOneBufferWithHeader() throws Exception {
        NetDevice d = device(0, false, 16);
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT)) {
            Map<Integer, GuestAddress> bufs = h.postRx(4, 1526);
            byte[] frame = NetHarness.frame(60, 5);
            backend.push(frame);
            backend.awaitIdle();
            assertTrue(h.q(RX).pollUsed());
            assertEquals(72, h.q(RX).usedLength());
            byte[] got = h.read(bufs.get(h.q(RX).usedId()), 72);
            byte[] hdr = Arrays.copyOf(got, 12);
            assertEquals(1, NetHarness.numBuffers(hdr), "num_buffers is 1 without MRG_RXBUF");
            Arrays.fill(hdr, 10, 12, (byte) 0);
            assertArrayEquals(new byte[12], hdr, "no flags, GSO_NONE, no offsets");
            assertArrayEquals(frame, Arrays.copyOfRange(got, 12, 72));
            assertEquals(1, d.metrics().rxFrames());
        } finally {
            d.close();
        }
    }

    @Test
    void s5_1_6_4_mergeableBuffersCarryALargeFrameAcrossChains() throws Exception {
        for (long features : new long[] {NetHarness.SPLIT_MRG, NetHarness.PACKED_MRG}) {
            MemoryNetBackend b = new MemoryNetBackend();
            NetDevice d = new NetDevice(b, MAC, 0, true, 16);
            try (NetHarness h = new NetHarness(d, features)) {
                Map<Integer, GuestAddress> bufs = h.postRx(8, 256);
                byte[] frame = NetHarness.frame(1000, 6);
                b.push(frame);
                b.awaitIdle();
                ByteArrayOutputStream stream = new ByteArrayOutputStream();
                int[] lengths = new int[4];
                for (int i = 0; i < 4; i++) {
                    assertTrue(h.q(RX).pollUsed(), "chain " + i);
                    lengths[i] = h.q(RX).usedLength();
                    stream.writeBytes(h.read(bufs.get(h.q(RX).usedId()), lengths[i]));
                }
                assertEquals(-1, h.usedLength(RX));
                assertArrayEquals(new int[] {256, 256, 256, 244}, lengths);
                byte[] all = stream.toByteArray();
                assertEquals(4, NetHarness.numBuffers(Arrays.copyOf(all, 12)));
                assertArrayEquals(frame, Arrays.copyOfRange(all, 12, all.length));
                assertEquals(4, d.metrics().rxBuffers());
            } finally {
                d.close();
            }
        }
    }

    @Test
    void framesWaitForBuffersThenArriveInOrderAndTheQueueIsBounded() throws Exception {
        NetDevice d = device(0, false, 3);
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT)) {
            for (int i = 0; i < 5; i++) {
                backend.push(NetHarness.frame(60 + i, i));
            }
            backend.awaitIdle();
            assertEquals(3, d.pendingFrames());
            assertEquals(2, d.metrics().rxDroppedQueueFull());
            Map<Integer, GuestAddress> bufs = h.postRx(2, 1526);
            bufs.putAll(h.postRx(2, 1526));
            for (int i = 0; i < 3; i++) {
                assertTrue(h.q(RX).pollUsed());
                assertEquals(72 + i, h.q(RX).usedLength());
                byte[] got = h.read(bufs.get(h.q(RX).usedId()), 72 + i);
                assertArrayEquals(NetHarness.frame(60 + i, i), Arrays.copyOfRange(got, 12, got.length), "frame " + i);
            }
            assertEquals(-1, h.usedLength(RX));
            assertEquals(0, d.pendingFrames());
        } finally {
            d.close();
        }
    }

    @Test
    void oversizeFramesAreDroppedAndCounted() throws Exception {
        NetDevice d = device(100, false, 16);
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT)) {
            Map<Integer, GuestAddress> bufs = h.postRx(2, 200);
            backend.push(NetHarness.frame(100 + 18 + 1, 0)); // beyond the negotiated MTU + Ethernet + VLAN
            backend.push(NetHarness.frame(70_000, 0)); // beyond 65535
            backend.push(NetHarness.frame(118, 1)); // exactly MTU + 18: accepted
            backend.awaitIdle();
            assertEquals(2, d.metrics().rxDroppedTooLarge());
            assertTrue(h.q(RX).pollUsed());
            assertEquals(130, h.q(RX).usedLength());
            assertArrayEquals(NetHarness.frame(118, 1),
                    Arrays.copyOfRange(h.read(bufs.get(h.q(RX).usedId()), 130), 12, 130));
        } finally {
            d.close();
        }
    }

    @Test
    void frameTooBigForTheDriversBuffersIsDroppedAndTheBufferKept() throws Exception {
        NetDevice d = device(0, false, 16);
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT)) {
            Map<Integer, GuestAddress> bufs = h.postRx(1, 100);
            backend.push(NetHarness.frame(200, 0));
            backend.push(NetHarness.frame(80, 1));
            backend.awaitIdle();
            assertEquals(1, d.metrics().rxDroppedTooLarge());
            assertTrue(h.q(RX).pollUsed());
            assertEquals(92, h.q(RX).usedLength());
            assertArrayEquals(NetHarness.frame(80, 1), Arrays.copyOfRange(h.read(bufs.get(h.q(RX).usedId()), 92), 12, 92));
        } finally {
            d.close();
        }
    }

    @Test
    void mergeableFrameLargerThanTheWholeRingIsDropped() throws Exception {
        NetDevice d = device(0, true, 16);
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT_MRG)) {
            h.postRx(64, 16); // the whole ring: 64 buffers of 16 bytes = 1024 bytes
            backend.push(NetHarness.frame(2000, 0));
            backend.push(NetHarness.frame(14, 1));
            backend.awaitIdle();
            assertEquals(1, d.metrics().rxDroppedTooLarge());
            assertEquals(1, d.metrics().rxFrames(), "the next frame still gets through");
        } finally {
            d.close();
        }
    }

    @Test
    void malformedReceiveChainsAreReturnedUnusedAndCounted() throws Exception {
        NetDevice d = device(0, true, 16);
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT_MRG)) {
            h.add(RX, new GuestAddress[] {h.buffer(8)}, new int[] {8}, new boolean[] {true});
            h.add(RX, new GuestAddress[] {h.buffer(64)}, new int[] {64}, new boolean[] {false});
            h.add(RX, new GuestAddress[] {h.buffer(16), h.buffer(64)}, new int[] {16, 64}, new boolean[] {false, true});
            h.driver.kick(RX);
            for (int i = 0; i < 3; i++) {
                assertEquals(0, h.usedLength(RX), "chain " + i);
            }
            assertEquals(3, d.metrics().malformedChains());
            assertEquals(0, h.host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
            Map<Integer, GuestAddress> bufs = h.postRx(1, 128);
            backend.push(NetHarness.frame(60, 2));
            backend.awaitIdle();
            assertEquals(72, h.usedLength(RX));
            assertTrue(bufs.size() == 1);
        } finally {
            d.close();
        }
    }

    @Test
    void framesAfterResetAreDroppedUntilTheDriverIsBack() throws Exception {
        NetDevice d = device(0, false, 16);
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT)) {
            backend.push(NetHarness.frame(60, 0)); // pending: no buffers
            backend.awaitIdle();
            h.host.setStatus(0);
            assertEquals(0, d.pendingFrames());
            backend.push(NetHarness.frame(60, 1));
            backend.awaitIdle();
            assertEquals(2, d.metrics().rxDroppedNotReady());
            assertTrue(h.driver.initialize(NetHarness.SPLIT, 64));
            h.postRx(1, 1526);
            backend.push(NetHarness.frame(61, 2));
            backend.awaitIdle();
            assertEquals(73, h.usedLength(RX));
        } finally {
            d.close();
        }
    }

    @Test
    void quiesceReturnsHeldReceiveBuffers() {
        NetDevice d = device(0, false, 16);
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT)) {
            h.postRx(3, 1526);
            h.host.quiesce();
            for (int i = 0; i < 3; i++) {
                assertEquals(0, h.usedLength(RX));
            }
            h.host.resume();
        } finally {
            d.close();
        }
    }
}
