package org.virtio.vhost.user.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.vhost.user.api.VhostUserBackend;
import org.virtio.vhost.user.api.VhostUserBackends;
import org.virtio.vhost.user.internal.protocol.ProtocolFeatures;
import org.virtio.vhost.user.internal.protocol.Request;

/** A Java frontend drives real blk and rng devices through the backend, as QEMU would. */
@Timeout(60)
class BackendEndToEndTest {
    static final long ALL_PROTOCOL = ProtocolFeatures.OFFERED;
    static final long RING = VirtioFeatures.bit(VirtioFeatures.VERSION_1) | VirtioFeatures.bit(VirtioFeatures.EVENT_IDX)
            | VirtioFeatures.bit(ProtocolFeatures.F_PROTOCOL_FEATURES);

    @TempDir
    Path dir;
    VhostUserBackend backend;

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.close();
        }
    }

    Path image(int bytes) throws Exception {
        Path p = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return p;
    }

    @Test
    void socketIsCreatedWithMode0600AndRemovedOnStop() throws Exception {
        Path image = image(1 << 20);
        Path sock = dir.resolve("blk.sock");
        backend = VhostUserBackends.start(sock, () -> Devices.blk(image), "blk");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        assertTrue(backend.isRunning());
        java.io.IOException live = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> VhostUserBackends.start(sock, () -> Devices.blk(image), "second"));
        assertTrue(live.getMessage().contains("listening"), live.getMessage());
        Path file = dir.resolve("plain");
        Files.writeString(file, "x");
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> VhostUserBackends.start(file, () -> Devices.blk(image), "third"));
        backend.close();
        assertFalse(Files.exists(sock), "socket file removed");
        assertFalse(backend.isRunning());
    }

    @Test
    void negotiationOffersWhatQemuNeeds() throws Exception {
        Path image = image(1 << 20);
        backend = VhostUserBackends.start(dir.resolve("blk.sock"), () -> Devices.blk(image), "blk");
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            long features = f.getFeatures();
            assertTrue(VirtioFeatures.has(features, VirtioFeatures.VERSION_1));
            assertTrue(VirtioFeatures.has(features, ProtocolFeatures.F_PROTOCOL_FEATURES));
            assertTrue(VirtioFeatures.has(features, ProtocolFeatures.F_LOG_ALL), "QEMU 7.2 aborts without LOG_ALL/LOG_SHMFD");
            assertTrue(VirtioFeatures.has(features, 9), "blk FLUSH from the device");
            long protocol = f.call(Request.GET_PROTOCOL_FEATURES, new byte[0]).u64();
            for (int bit : new int[] {ProtocolFeatures.MQ, ProtocolFeatures.LOG_SHMFD, ProtocolFeatures.REPLY_ACK,
                    ProtocolFeatures.CONFIG, ProtocolFeatures.INFLIGHT_SHMFD, ProtocolFeatures.RESET_DEVICE,
                    ProtocolFeatures.STATUS}) {
                assertTrue((protocol & (1L << bit)) != 0, "protocol feature " + bit);
            }
            f.send(Request.SET_PROTOCOL_FEATURES, TestFrontend.u64(protocol));
            assertEquals(1, f.call(Request.GET_QUEUE_NUM, new byte[0]).u64());
            // REPLY_ACK: a message with NEED_REPLY gets a u64 0.
            f.send(Request.SET_OWNER.code(), TestFrontend.VERSION | TestFrontend.NEED_REPLY, new byte[0]);
            TestFrontend.Reply ack = f.read();
            assertEquals(Request.SET_OWNER.code(), ack.request());
            assertEquals(0, ack.u64());
            // GET_CONFIG: capacity (sectors) at offset 0, 57 bytes asked as QEMU 7.2 asks.
            byte[] q = ByteBuffer.allocate(12 + 57).order(ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(57).putInt(0).array();
            TestFrontend.Reply cfg = f.call(Request.GET_CONFIG, q);
            assertEquals(12 + 57, cfg.payload().capacity());
            assertEquals(57, cfg.payload().getInt(4));
            assertEquals((1 << 20) / 512, cfg.payload().getLong(12), "capacity in sectors");
            // SET_STATUS / GET_STATUS
            f.send(Request.SET_STATUS, TestFrontend.u64(0x3));
            assertEquals(0x3, f.call(Request.GET_STATUS, new byte[0]).u64());
        }
    }

    @Test
    void blkWritesAndReadsThroughSharedMemory() throws Exception {
        Path image = image(1 << 20);
        backend = VhostUserBackends.start(dir.resolve("blk.sock"), () -> Devices.blk(image), "blk");
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            long acked = f.negotiate(RING | VirtioFeatures.bit(9), ALL_PROTOCOL);
            TestFrontend.Ring ring = f.startRing(0, 64, acked, 0);
            byte[] data = new byte[4096];
            new Random(7).nextBytes(data);
            assertEquals(1, Devices.blk(f, ring, Devices.BLK_OUT, 8, data, 4096), "OUT: status byte only");
            f.write(Devices.DATA, new byte[4096]);
            assertEquals(4097, Devices.blk(f, ring, Devices.BLK_IN, 8, null, 4096), "IN: data + status");
            assertArrayEquals(data, f.readBytes(Devices.DATA, 4096));
            // Many requests: the ring wraps and the used index keeps counting.
            for (int i = 0; i < 150; i++) {
                byte[] d = new byte[512];
                new Random(i).nextBytes(d);
                Devices.blk(f, ring, Devices.BLK_OUT, 100 + i, d, 512);
            }
            byte[] onDisk = new byte[4096];
            try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "r")) {
                raf.seek(8 * 512);
                raf.readFully(onDisk);
            }
            assertArrayEquals(data, onDisk, "the image file holds what the driver wrote");
            // GET_VRING_BASE stops the ring and reports where the device is.
            TestFrontend.Reply base = f.call(Request.GET_VRING_BASE, TestFrontend.state(0, 0));
            assertEquals(152, base.payload().getInt(4));
        }
    }

    @Test
    void rngFillsBuffersWithDifferentBytes() throws Exception {
        backend = VhostUserBackends.start(dir.resolve("rng.sock"), Devices::rng, "rng");
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            long protocol = f.call(Request.GET_PROTOCOL_FEATURES, new byte[0]).u64();
            assertEquals(0, protocol & ProtocolFeatures.bit(ProtocolFeatures.CONFIG), "no config space, no CONFIG");
            long acked = f.negotiate(RING, ALL_PROTOCOL);
            TestFrontend.Ring ring = f.startRing(0, 16, acked, 0);
            byte[][] got = new byte[2][];
            for (int i = 0; i < 2; i++) {
                long buf = Devices.DATA + 256L * i;
                int head = ring.driver().add(new long[] {buf}, new int[] {64}, new boolean[] {true}, 1, false);
                ring.kick().signal();
                assertTrue(TestFrontend.awaitUsed(ring));
                assertEquals(head, ring.driver().usedId());
                assertEquals(64, ring.driver().usedLength());
                got[i] = f.readBytes(buf, 64);
            }
            assertNotEquals(ByteBuffer.wrap(got[0]), ByteBuffer.wrap(got[1]));
            assertFalse(ByteBuffer.wrap(got[0]).equals(ByteBuffer.wrap(new byte[64])), "not all zero");
        }
    }

    @Test
    void usedBufferNotificationArrivesOnTheCallEventfd() throws Exception {
        backend = VhostUserBackends.start(dir.resolve("rng.sock"), Devices::rng, "rng");
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            long acked = f.negotiate(RING & ~VirtioFeatures.bit(VirtioFeatures.EVENT_IDX), ALL_PROTOCOL);
            TestFrontend.Ring ring = f.startRing(0, 16, acked, 0);
            ring.driver().add(new long[] {Devices.DATA}, new int[] {16}, new boolean[] {true}, 1, false);
            ring.kick().signal();
            try (var stop = org.virtio.vhost.user.internal.sys.EventFd.create()) {
                assertTrue(ring.call().awaitOr(stop), "call eventfd signalled");
            }
            assertTrue(ring.call().drain() >= 1);
            assertTrue(ring.driver().pollUsed());
        }
    }

    @Test
    void ringDisableNewMemoryTableAndResetKeepTheDeviceUsable() throws Exception {
        Path image = image(1 << 20);
        backend = VhostUserBackends.start(dir.resolve("blk.sock"), () -> Devices.blk(image), "blk");
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            long acked = f.negotiate(RING | VirtioFeatures.bit(9), ALL_PROTOCOL);
            TestFrontend.Ring ring = f.startRing(0, 64, acked, 0);
            byte[] data = new byte[512];
            new Random(1).nextBytes(data);
            Devices.blk(f, ring, Devices.BLK_OUT, 1, data, 512);
            // Disable and enable the ring: the device stops and comes back at the same position.
            f.send(Request.SET_VRING_ENABLE, TestFrontend.state(0, 0));
            f.send(Request.SET_VRING_ENABLE, TestFrontend.state(0, 1));
            Devices.blk(f, ring, Devices.BLK_OUT, 2, data, 512);
            // A new memory table while running (memory hot-plug does this): stop, remap, restart.
            f.setMemTable(new long[][] {{0, TestFrontend.MEMORY_SIZE, TestFrontend.UVA_BASE, 0}}, f.memfd);
            f.write(Devices.DATA, new byte[512]);
            Devices.blk(f, ring, Devices.BLK_IN, 1, null, 512);
            assertArrayEquals(data, f.readBytes(Devices.DATA, 512));
            // RESET_DEVICE forgets the rings; a fresh setup on the same connection works.
            f.send(Request.RESET_DEVICE, new byte[0]);
            assertEquals(0, f.call(Request.GET_STATUS, new byte[0]).u64());
            f.send(Request.SET_FEATURES, TestFrontend.u64(acked));
            TestFrontend.Ring fresh = f.startRing(0, 64, acked, 0);
            f.write(Devices.DATA, new byte[512]);
            Devices.blk(f, fresh, Devices.BLK_IN, 2, null, 512);
            assertArrayEquals(data, f.readBytes(Devices.DATA, 512));
        }
    }
}
