package org.virtio.vhost.user.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;
import org.virtio.vhost.user.internal.protocol.Request;
import org.virtio.vhost.user.internal.sys.EventFd;
import org.virtio.vhost.user.internal.sys.Fds;
import org.virtio.vhost.user.internal.sys.SharedMapping;
import org.virtio.vhost.user.internal.sys.SysException;
import org.virtio.vhost.user.internal.sys.UnixConnection;

/**
 * A vhost-user frontend written for the tests, doing what QEMU does: guest memory in a memfd passed with
 * SET_MEM_TABLE (user addresses = {@link #UVA_BASE} + guest address), eventfds for kick and call, and the
 * core's driver-side split queue ({@link SplitQueueDriver}) over the same memfd mapping, so the backend's
 * device and this driver share real memory through two mappings.
 */
final class TestFrontend implements AutoCloseable {
    static final long UVA_BASE = 0x7f00_0000_0000L;
    static final long MEMORY_SIZE = 1 << 20;
    static final long RING_BASE = 0x10000;
    static final long DATA_BASE = 0x40000;
    static final String MEMFD_NAME = "vu-test-guest";

    static final int VERSION = 1;
    static final int NEED_REPLY = 0x8;

    UnixConnection conn;
    final int memfd;
    final SharedMapping mapping;
    final GuestRam ram;
    final List<EventFd> eventFds = new ArrayList<>();

    private TestFrontend(UnixConnection conn, int memfd, SharedMapping mapping) {
        this.conn = conn;
        this.memfd = memfd;
        this.mapping = mapping;
        this.ram = GuestRam.builder().segment(new GuestAddress(0), mapping.segment(), false).build();
    }

    static TestFrontend connect(Path socket) throws IOException {
        int fd = SharedMapping.createMemfd(MEMFD_NAME, MEMORY_SIZE);
        SharedMapping m = SharedMapping.map(fd, 0, MEMORY_SIZE);
        return new TestFrontend(UnixConnection.connect(socket), fd, m);
    }

    /** A new connection to the same backend with the same guest memory (a frontend reconnecting). */
    void reconnect(Path socket) throws SysException {
        conn.close();
        conn = UnixConnection.connect(socket);
    }

    /** @return how many mappings of this test's guest memfd the process holds (the frontend's own is one) */
    static long guestMappings() throws IOException {
        try (var lines = java.nio.file.Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains("memfd:" + MEMFD_NAME)).count();
        }
    }

    // ---- raw messages ----

    void send(int request, int flags, byte[] payload, int... fds) throws SysException {
        send(request, flags, payload.length, payload, fds);
    }

    /** Sends a header that may lie about the size (negative tests). */
    void send(int request, int flags, long size, byte[] payload, int... fds) throws SysException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(12 + payload.length);
            ByteBuffer b = m.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(request).putInt(flags).putInt((int) size).put(payload);
            conn.write(m, fds);
        }
    }

    void send(Request r, byte[] payload, int... fds) throws SysException {
        send(r.code(), VERSION, payload, fds);
    }

    /** A reply: its payload, and descriptors received with it. */
    record Reply(int request, int flags, ByteBuffer payload, List<Integer> fds) {
        long u64() {
            return payload.getLong(0);
        }
    }

    Reply read() throws IOException {
        List<Integer> fds = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(12);
            if (!conn.readFully(h, fds)) {
                throw new EOFException("backend closed the connection");
            }
            ByteBuffer hb = h.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int req = hb.getInt(0);
            int flags = hb.getInt(4);
            int size = hb.getInt(8);
            MemorySegment p = a.allocate(Math.max(1, size));
            if (size > 0 && !conn.readFully(p.asSlice(0, size), fds)) {
                throw new EOFException("backend closed the connection mid-reply");
            }
            byte[] bytes = p.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE);
            return new Reply(req, flags, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), fds);
        }
    }

    Reply call(Request r, byte[] payload, int... fds) throws IOException {
        send(r, payload, fds);
        Reply reply = read();
        assertEquals(r.code(), reply.request(), "reply request code");
        assertEquals(0x5, reply.flags(), "reply flags: version 1 | REPLY");
        return reply;
    }

    /**
     * @return whether the backend closed the connection: the next read sees end of file (after any
     *         failure ack it sent)
     */
    boolean closedByBackend() throws IOException {
        List<Integer> fds = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(12);
            while (true) {
                try {
                    if (!conn.readFully(h, fds)) {
                        return true;
                    }
                } catch (EOFException e) {
                    return true;
                } catch (SysException e) {
                    return e.errno() == 104; // ECONNRESET
                }
                // a REPLY_ACK failure reply: skip its 8-byte payload and look again
                int size = h.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getInt(8);
                if (size > 0 && !conn.readFully(a.allocate(size), fds)) {
                    return true;
                }
            }
        } finally {
            fds.forEach(Fds::close);
        }
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] state(int index, int num) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(num).array();
    }

    // ---- the usual sequence ----

    long getFeatures() throws IOException {
        return call(Request.GET_FEATURES, new byte[0]).u64();
    }

    /** GET/SET features and protocol features, SET_OWNER, SET_MEM_TABLE of the whole memfd. */
    long negotiate(long wantedFeatures, long wantedProtocol) throws IOException {
        long offered = getFeatures();
        long acked = offered & wantedFeatures;
        long protocol = call(Request.GET_PROTOCOL_FEATURES, new byte[0]).u64() & wantedProtocol;
        send(Request.SET_PROTOCOL_FEATURES, u64(protocol));
        send(Request.SET_OWNER, new byte[0]);
        send(Request.SET_FEATURES, u64(acked));
        setMemTable(new long[][] {{0, MEMORY_SIZE, UVA_BASE, 0}}, memfd);
        return acked;
    }

    /** @param regions {gpa, size, uva, mmap_offset} each  @param fds one per region */
    void setMemTable(long[][] regions, int... fds) throws SysException {
        ByteBuffer b = ByteBuffer.allocate(8 + 32 * regions.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(regions.length).putInt(0);
        for (long[] r : regions) {
            b.putLong(r[0]).putLong(r[1]).putLong(r[2]).putLong(r[3]);
        }
        send(Request.SET_MEM_TABLE, b.array(), fds);
    }

    void setVringAddr(int index, long descGpa, long usedGpa, long availGpa) throws SysException {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(index).putInt(0).putLong(UVA_BASE + descGpa).putLong(UVA_BASE + usedGpa).putLong(UVA_BASE + availGpa)
                .putLong(0);
        send(Request.SET_VRING_ADDR, b.array());
    }

    /** A ready ring: what the backend needs, and the driver side over the same memory. */
    record Ring(SplitQueueDriver driver, EventFd kick, EventFd call) {
    }

    /**
     * Sets up ring {@code index} at {@link #RING_BASE} + index * 64 KiB: NUM, ADDR, BASE, CALL, KICK, ENABLE.
     */
    Ring startRing(int index, int size, long features, int base) throws IOException {
        SplitQueueDriver d = new SplitQueueDriver(ram, new GuestAddress(RING_BASE + 0x10000L * index), size, features, 0);
        return resumeRing(index, d, base);
    }

    /** Sets up a ring whose driver side already exists (after a reconnect), starting at {@code base}. */
    Ring resumeRing(int index, SplitQueueDriver d, int base) throws IOException {
        int size = d.size();
        EventFd kick = EventFd.create();
        EventFd call = EventFd.create();
        eventFds.add(kick);
        eventFds.add(call);
        send(Request.SET_VRING_NUM, state(index, size));
        setVringAddr(index, d.descArea().value(), d.deviceArea().value(), d.driverArea().value());
        send(Request.SET_VRING_BASE, state(index, base));
        send(Request.SET_VRING_CALL, u64(index), call.fd());
        send(Request.SET_VRING_KICK, u64(index), kick.fd());
        send(Request.SET_VRING_ENABLE, state(index, 1));
        return new Ring(d, kick, call);
    }

    /** Waits (bounded) for the next used buffer on a ring. @return whether one came */
    static boolean awaitUsed(Ring ring) throws InterruptedException {
        for (int i = 0; i < 10_000; i++) {
            if (ring.driver.pollUsed()) {
                return true;
            }
            Thread.sleep(1);
        }
        return false;
    }

    void write(long gpa, byte[] data) {
        MemorySegment.copy(data, 0, mapping.segment(), ValueLayout.JAVA_BYTE, gpa, data.length);
    }

    byte[] readBytes(long gpa, int len) {
        return mapping.segment().asSlice(gpa, len).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() {
        conn.close();
        eventFds.forEach(EventFd::close);
        ram.close();
        mapping.close();
        Fds.close(memfd);
    }
}
