package org.virtio.device.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.memory.GuestAddress;
import org.virtio.device.net.backend.UnixDatagramBackend;

/** The device made by its factory with the unix datagram backend, against a peer socket, end to end. */
class NetSocketDeviceTest {

    @Test
    void framesCrossBetweenGuestAndPeerSocket(@TempDir Path dir) throws Exception {
        Path devicePath = dir.resolve("dev.sock");
        Path peerPath = dir.resolve("peer.sock");
        UnixDatagramBackend peer = UnixDatagramBackend.open(peerPath, devicePath);
        NetDevice d = (NetDevice) new NetDeviceFactory().create(Map.of("socket", devicePath.toString(),
                "peer", peerPath.toString(), "mac", "52:54:00:aa:bb:cc"));
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT_MRG); Arena arena = Arena.ofConfined()) {
            // Guest to peer.
            byte[] out = NetHarness.frame(1514, 3);
            assertEquals(0, h.transmit(NetHarness.header(), out, 20));
            MemorySegment buf = arena.allocate(65536);
            assertEquals(1514, peer.receive(buf));
            assertArrayEquals(out, buf.asSlice(0, 1514).toArray(ValueLayout.JAVA_BYTE));
            // Peer to guest: post a buffer, send, then wait for the used buffer (the reader thread delivers it).
            Map<Integer, GuestAddress> bufs = h.postRx(4, 2048);
            byte[] in = NetHarness.frame(98, 4);
            MemorySegment.copy(in, 0, buf, ValueLayout.JAVA_BYTE, 0, in.length);
            assertTrue(peer.send(buf, in.length));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!h.q(NetHarness.RX).pollUsed()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no frame reached the receive queue within 10 s: " + d.metrics());
                }
                Thread.onSpinWait();
            }
            assertEquals(110, h.q(NetHarness.RX).usedLength());
            byte[] got = h.read(bufs.get(h.q(NetHarness.RX).usedId()), 110);
            assertEquals(1, NetHarness.numBuffers(Arrays.copyOf(got, 12)));
            assertArrayEquals(in, Arrays.copyOfRange(got, 12, 110));
        } finally {
            d.close();
            peer.close();
        }
    }
}
