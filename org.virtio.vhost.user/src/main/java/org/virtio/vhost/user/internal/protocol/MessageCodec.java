package org.virtio.vhost.user.internal.protocol;

import java.io.EOFException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.virtio.vhost.user.internal.sys.Fds;
import org.virtio.vhost.user.internal.sys.SysException;
import org.virtio.vhost.user.internal.sys.UnixConnection;

/**
 * Reads and writes vhost-user messages on a connection: a 12-byte little-endian header (u32 request,
 * u32 flags, u32 size) and then {@code size} payload bytes. Everything read is hostile: the version bits
 * must be 1, the REPLY bit must be clear, the size must not exceed {@link #MAX_PAYLOAD}, and at most
 * {@link #MAX_FDS} descriptors may come with one message. Any violation is a {@link ProtocolException},
 * after which the connection is unusable (the stream may be out of step).
 */
public final class MessageCodec {
    /** Header bytes. */
    public static final int HEADER = 12;
    /**
     * Largest payload accepted: the biggest message this backend handles is a memory table of 8 regions
     * (8 + 8 x 32 bytes) or a 256-byte config access (12 + 256); 4 KiB leaves room without letting a
     * frontend make us allocate much.
     */
    public static final int MAX_PAYLOAD = 4096;
    /** Most descriptors with one message (VHOST_MEMORY_BASELINE_NREGIONS). */
    public static final int MAX_FDS = 8;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final UnixConnection connection;

    /** @param connection the socket to speak on */
    public MessageCodec(UnixConnection connection) {
        this.connection = connection;
    }

    /**
     * @return the next message, or null when the frontend closed the connection between messages
     * @throws ProtocolException for a malformed message (its descriptors are already closed)
     * @throws EOFException      when the frontend closed the connection in the middle of a message
     * @throws SysException      when the socket fails
     */
    public Message read() throws ProtocolException, EOFException, SysException {
        List<Integer> fds = new ArrayList<>();
        boolean ok = false;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment header = a.allocate(HEADER);
            if (!connection.readFully(header, fds)) {
                ok = true;
                return null;
            }
            int code = header.get(U32, 0);
            int flags = header.get(U32, 4);
            long size = header.get(U32, 8) & 0xffffffffL;
            if ((flags & 0x3) != Message.VERSION) {
                throw new ProtocolException("message header: version " + (flags & 0x3) + " (flags 0x"
                        + Integer.toHexString(flags) + "), expected 1 (request code " + (code & 0xffffffffL) + ")");
            }
            if ((flags & Message.FLAG_REPLY) != 0) {
                throw new ProtocolException("message header: a frontend request with the REPLY flag (request code "
                        + (code & 0xffffffffL) + ")");
            }
            if (size > MAX_PAYLOAD) {
                throw new ProtocolException("message header: payload size " + size + " exceeds " + MAX_PAYLOAD
                        + " (request code " + (code & 0xffffffffL) + ")");
            }
            byte[] payload = new byte[(int) size];
            if (size > 0) {
                MemorySegment body = a.allocate(size);
                if (!connection.readFully(body, fds)) {
                    throw new EOFException("frontend closed the connection before the " + size + "-byte payload");
                }
                MemorySegment.copy(body, ValueLayout.JAVA_BYTE, 0, payload, 0, (int) size);
            }
            if (fds.size() > MAX_FDS) {
                throw new ProtocolException("request code " + (code & 0xffffffffL) + " came with " + fds.size()
                        + " file descriptors, at most " + MAX_FDS);
            }
            Message m = new Message(code, flags, payload, fds);
            ok = true;
            return m;
        } finally {
            if (!ok) {
                fds.forEach(Fds::close);
            }
        }
    }

    /**
     * Sends a reply to a request.
     *
     * @param request the request answered
     * @param payload the reply payload
     * @param fds     descriptors to pass (still owned by the caller)
     * @throws SysException when the socket fails
     */
    public void reply(Request request, byte[] payload, int... fds) throws SysException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(HEADER + payload.length);
            m.set(U32, 0, request.code());
            m.set(U32, 4, Message.VERSION | Message.FLAG_REPLY);
            m.set(U32, 8, payload.length);
            MemorySegment.copy(payload, 0, m, ValueLayout.JAVA_BYTE, HEADER, payload.length);
            connection.write(m, fds);
        }
    }

    /** @param request the request answered  @param value the u64 payload  @throws SysException when the socket fails */
    public void replyU64(Request request, long value) throws SysException {
        byte[] b = new byte[8];
        java.nio.ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        reply(request, b);
    }
}
