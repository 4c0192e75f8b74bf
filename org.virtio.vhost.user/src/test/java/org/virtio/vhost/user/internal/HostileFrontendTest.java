package org.virtio.vhost.user.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.vhost.user.api.VhostUserBackend;
import org.virtio.vhost.user.api.VhostUserBackends;
import org.virtio.vhost.user.internal.protocol.ProtocolFeatures;
import org.virtio.vhost.user.internal.protocol.Request;

/**
 * A frontend that sends garbage, lies about sizes, hands over bad memory or disconnects at the wrong
 * moment loses its connection; the backend releases what that session held and serves the next
 * frontend correctly (each test ends with a real blk round trip on a new connection).
 */
@Timeout(60)
class HostileFrontendTest {
    static final long RING = BackendEndToEndTest.RING | VirtioFeatures.bit(9);

    @TempDir
    Path dir;
    Path image;
    VhostUserBackend backend;

    @BeforeEach
    void start() throws Exception {
        image = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        backend = VhostUserBackends.start(dir.resolve("blk.sock"), () -> Devices.blk(image), "blk");
    }

    @AfterEach
    void stop() {
        backend.close();
    }

    /** A well-behaved frontend on a new connection: write and read back 4 KiB. */
    void assertServesNext() throws Exception {
        int before = backend.connectionsAccepted();
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            long acked = f.negotiate(RING, ProtocolFeatures.OFFERED);
            TestFrontend.Ring ring = f.startRing(0, 64, acked, 0);
            byte[] data = new byte[4096];
            new Random(before).nextBytes(data);
            Devices.blk(f, ring, Devices.BLK_OUT, 16, data, 4096);
            f.write(Devices.DATA, new byte[4096]);
            Devices.blk(f, ring, Devices.BLK_IN, 16, null, 4096);
            assertArrayEquals(data, f.readBytes(Devices.DATA, 4096));
        }
        assertTrue(backend.isRunning());
        assertTrue(backend.connectionsAccepted() > before, "served on a new connection");
    }

    @Test
    void garbageHeaderDropsTheConnection() throws Exception {
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            f.send(Request.GET_FEATURES.code(), 0 /* version 0 */, new byte[0]);
            assertTrue(f.closedByBackend());
        }
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            f.send(Request.GET_FEATURES.code(), 0x1 | 0x4 /* a reply from the frontend */, new byte[0]);
            assertTrue(f.closedByBackend());
        }
        assertServesNext();
    }

    @Test
    void oversizePayloadDropsTheConnection() throws Exception {
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            f.send(Request.SET_MEM_TABLE.code(), 1, 1L << 20, new byte[64]);
            assertTrue(f.closedByBackend());
        }
        assertServesNext();
    }

    @Test
    void unknownRequestAndShortPayloadDropTheConnection() throws Exception {
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            f.send(99, 1, new byte[0]);
            assertTrue(f.closedByBackend());
        }
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            f.send(Request.SET_VRING_NUM, new byte[4]);
            assertTrue(f.closedByBackend());
        }
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            f.send(Request.SET_FEATURES, TestFrontend.u64(1L << 62)); // not offered
            assertTrue(f.closedByBackend());
        }
        assertServesNext();
    }

    @Test
    void disconnectInTheMiddleOfAMessage() throws Exception {
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            f.getFeatures();
            f.send(Request.SET_FEATURES.code(), 1, 8, new byte[4]); // 4 of the 8 bytes announced
        }
        assertServesNext();
    }

    @Test
    void disconnectWithRequestsInFlight() throws Exception {
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            long acked = f.negotiate(RING, ProtocolFeatures.OFFERED);
            TestFrontend.Ring ring = f.startRing(0, 64, acked, 0);
            for (int i = 0; i < 20; i++) {
                byte[] d = new byte[512];
                f.write(Devices.DATA + 512L * i, d);
                ring.driver().add(new long[] {Devices.HEADER, Devices.DATA + 512L * i, Devices.STATUS + i},
                        new int[] {16, 512, 1}, new boolean[] {false, false, true}, 3, false);
            }
            ring.kick().signal();
            // gone before the device could finish
        }
        assertServesNext();
    }

    @Test
    void memoryTableWithABadRegionIsRejectedWithoutLeakingMappings() throws Exception {
        long[][][] bad = {
            {{0, 2 * TestFrontend.MEMORY_SIZE, TestFrontend.UVA_BASE, 0}},                 // past the end of the memfd
            {{0, TestFrontend.MEMORY_SIZE, TestFrontend.UVA_BASE, TestFrontend.MEMORY_SIZE}}, // offset past the end
            {{0, 0, TestFrontend.UVA_BASE, 0}},                                            // empty
            {{-4096, 8192, TestFrontend.UVA_BASE, 0}},                                     // gpa wraps
            {{0, 0x10000, -4096, 0}},                                                      // uva wraps
            {{0, 0x20000, TestFrontend.UVA_BASE, 0}, {0x10000, 0x20000, TestFrontend.UVA_BASE + 0x100000, 0x20000}}, // gpa overlap
            {{0, 0x20000, TestFrontend.UVA_BASE, 0}, {0x40000, 0x20000, TestFrontend.UVA_BASE + 0x10000, 0x20000}}, // uva overlap
        };
        for (long[][] regions : bad) {
            try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
                f.getFeatures();
                int[] fds = new int[regions.length];
                java.util.Arrays.fill(fds, f.memfd);
                f.setMemTable(regions, fds);
                assertTrue(f.closedByBackend(), "rejected: " + java.util.Arrays.deepToString(regions));
                assertEquals(1, TestFrontend.guestMappings(), "only the frontend's own mapping remains");
            }
        }
        // Descriptor count and region count disagree; and nine regions (more than the protocol allows).
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            f.setMemTable(new long[][] {{0, 0x10000, TestFrontend.UVA_BASE, 0}, {0x10000, 0x10000,
                TestFrontend.UVA_BASE + 0x10000, 0x10000}}, f.memfd);
            assertTrue(f.closedByBackend());
        }
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            long[][] nine = new long[9][];
            for (int i = 0; i < 9; i++) {
                nine[i] = new long[] {0x10000L * i, 0x10000, TestFrontend.UVA_BASE + 0x10000L * i, 0x10000L * i};
            }
            f.setMemTable(nine, f.memfd, f.memfd, f.memfd, f.memfd, f.memfd, f.memfd, f.memfd, f.memfd, f.memfd);
            assertTrue(f.closedByBackend());
        }
        // Not a memfd or regular file.
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            var ev = org.virtio.vhost.user.internal.sys.EventFd.create();
            f.eventFds.add(ev);
            f.setMemTable(new long[][] {{0, 0x10000, TestFrontend.UVA_BASE, 0}}, ev.fd());
            assertTrue(f.closedByBackend());
        }
        assertEquals(0, TestFrontend.guestMappings(), "nothing of the rejected tables stays mapped");
        assertServesNext();
        // The backend notices the disconnect on its own thread: wait (bounded) for its clean-up.
        for (int i = 0; i < 500 && TestFrontend.guestMappings() != 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, TestFrontend.guestMappings(), "the backend unmapped the good table at the end of its session");
    }

    @Test
    void vringAddressOutsideMemoryDropsTheConnection() throws Exception {
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            f.negotiate(RING, ProtocolFeatures.OFFERED);
            f.send(Request.SET_VRING_NUM, TestFrontend.state(0, 64));
            ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(0).putInt(0).putLong(TestFrontend.UVA_BASE + TestFrontend.RING_BASE)
                    .putLong(TestFrontend.UVA_BASE + TestFrontend.MEMORY_SIZE + 4096) // used ring beyond the region
                    .putLong(TestFrontend.UVA_BASE + TestFrontend.RING_BASE + 1024).putLong(0);
            f.send(Request.SET_VRING_ADDR, b.array());
            assertTrue(f.closedByBackend());
        }
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            f.getFeatures();
            f.setVringAddr(0, 0, 0x1000, 0x2000); // before any memory table
            assertTrue(f.closedByBackend());
        }
        assertServesNext();
    }

    @Test
    void ringBadlyPlacedInsideMemoryIsReportedOnTheErrorEventfdAndTheSessionGoesOn() throws Exception {
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            long acked = f.negotiate(RING, ProtocolFeatures.OFFERED);
            var err = org.virtio.vhost.user.internal.sys.EventFd.create();
            f.eventFds.add(err);
            f.send(Request.SET_VRING_ERR, TestFrontend.u64(0), err.fd());
            f.send(Request.SET_VRING_NUM, TestFrontend.state(0, 64));
            // Misaligned descriptor table (needs 16): the queue cannot open.
            f.setVringAddr(0, TestFrontend.RING_BASE + 8, TestFrontend.RING_BASE + 0x2000, TestFrontend.RING_BASE + 0x1000);
            var kick = org.virtio.vhost.user.internal.sys.EventFd.create();
            f.eventFds.add(kick);
            f.send(Request.SET_VRING_KICK, TestFrontend.u64(0), kick.fd());
            f.send(Request.SET_VRING_ENABLE, TestFrontend.state(0, 1));
            kick.signal();
            try (var stop = org.virtio.vhost.user.internal.sys.EventFd.create()) {
                assertTrue(err.awaitOr(stop));
            }
            // The connection is still served.
            assertEquals(acked & ~VirtioFeatures.bit(ProtocolFeatures.F_PROTOCOL_FEATURES),
                    f.getFeatures() & acked & ~VirtioFeatures.bit(ProtocolFeatures.F_PROTOCOL_FEATURES));
        }
        assertServesNext();
    }

    static long openFds() throws Exception {
        try (var l = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
            return l.count();
        }
    }

    static long kickThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().contains("-kick-")).count();
    }

    @Test
    void sessionsLeaveNoThreadsDescriptorsOrMappingsBehind() throws Exception {
        assertServesNext(); // warm up: classes loaded, first session done
        for (int i = 0; i < 100 && (kickThreads() != 0 || TestFrontend.guestMappings() != 0); i++) {
            Thread.sleep(10);
        }
        long fds = openFds();
        for (int round = 0; round < 10; round++) {
            try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
                long acked = f.negotiate(RING, ProtocolFeatures.OFFERED);
                byte[] ask = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(0)
                        .putShort((short) 1).putShort((short) 64).array();
                TestFrontend.Reply r = f.call(Request.GET_INFLIGHT_FD, ask);
                r.fds().forEach(org.virtio.vhost.user.internal.sys.Fds::close);
                TestFrontend.Ring ring = f.startRing(0, 64, acked, 0);
                Devices.blk(f, ring, Devices.BLK_OUT, round, new byte[512], 512);
            }
        }
        // The backend sees each disconnect on its own thread: wait (bounded) for the last clean-up.
        for (int i = 0; i < 500 && (kickThreads() != 0 || TestFrontend.guestMappings() != 0 || openFds() > fds); i++) {
            Thread.sleep(10);
        }
        assertEquals(0, kickThreads(), "kick watcher threads");
        assertEquals(0, TestFrontend.guestMappings(), "guest memory mappings");
        assertEquals(fds, openFds(), "open descriptors (sockets, memfds, eventfds, inflight regions)");
    }

    @Test
    void randomMessagesNeverStopTheServer() throws Exception {
        Random random = new Random(20261126);
        for (int connection = 0; connection < 30; connection++) {
            try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
                int messages = 1 + random.nextInt(40);
                for (int i = 0; i < messages; i++) {
                    int code = 1 + random.nextInt(41);
                    int flags = random.nextInt(8) == 0 ? random.nextInt() : 1 | (random.nextBoolean() ? 8 : 0);
                    byte[] payload = new byte[random.nextInt(8) == 0 ? random.nextInt(300) : 8 * random.nextInt(6)];
                    random.nextBytes(payload);
                    try {
                        f.send(code, flags, payload);
                    } catch (org.virtio.vhost.user.internal.sys.SysException e) {
                        break; // the backend dropped us: fine, next connection
                    }
                }
            }
        }
        assertTrue(backend.isRunning());
        assertServesNext();
    }
}
