package org.virtio.vhost.user.internal.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.virtio.vhost.user.internal.sys.Fds;

/**
 * One vhost-user message: the 12-byte header (request, flags, size) and its payload, plus the file
 * descriptors that came with it. The message owns its descriptors until a handler {@linkplain #takeFd
 * takes} one; {@link #closeUntakenFds} closes the rest, so a message that carries descriptors it should
 * not cannot leak them.
 */
public final class Message {
    /** Protocol version in the flags (bits 0-1). */
    public static final int VERSION = 0x1;
    /** Flags bit: this is a reply. */
    public static final int FLAG_REPLY = 0x4;
    /** Flags bit: the frontend wants a reply (REPLY_ACK). */
    public static final int FLAG_NEED_REPLY = 0x8;

    private final int code;
    private final Request request;
    private final int flags;
    private final ByteBuffer payload;
    private final int[] fds;

    Message(int code, int flags, byte[] payload, List<Integer> fds) {
        this.code = code;
        this.request = Request.of(code);
        this.flags = flags;
        this.payload = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
        this.fds = fds.stream().mapToInt(Integer::intValue).toArray();
    }

    /** @return the request, or null when the code is unknown */
    public Request request() {
        return request;
    }

    /** @return the raw request code */
    public int code() {
        return code;
    }

    /** @return whether the frontend asked for a REPLY_ACK answer */
    public boolean needReply() {
        return (flags & FLAG_NEED_REPLY) != 0;
    }

    /** @return the payload size in bytes */
    public int size() {
        return payload.capacity();
    }

    /** @return the number of descriptors that came with the message */
    public int fdCount() {
        return fds.length;
    }

    /**
     * @param min the least payload the request needs
     * @throws ProtocolException naming the request when the payload is shorter
     */
    public void requireSize(int min) throws ProtocolException {
        if (payload.capacity() < min) {
            throw new ProtocolException(name() + ": payload of " + payload.capacity() + " bytes, needs " + min);
        }
    }

    /** @param off byte offset  @return the u64 there  @throws ProtocolException when the payload is too short */
    public long u64(int off) throws ProtocolException {
        requireSize(off + 8);
        return payload.getLong(off);
    }

    /** @param off byte offset  @return the u32 there, as an unsigned long  @throws ProtocolException when too short */
    public long u32(int off) throws ProtocolException {
        requireSize(off + 4);
        return payload.getInt(off) & 0xffffffffL;
    }

    /** @param off byte offset  @return the u16 there  @throws ProtocolException when too short */
    public int u16(int off) throws ProtocolException {
        requireSize(off + 2);
        return payload.getShort(off) & 0xffff;
    }

    /** @param off offset  @param len bytes  @return a copy  @throws ProtocolException when too short */
    public byte[] bytes(int off, int len) throws ProtocolException {
        requireSize(off + len);
        byte[] b = new byte[len];
        payload.get(off, b);
        return b;
    }

    /**
     * Takes ownership of one descriptor.
     *
     * @param i index among the message's descriptors
     * @return the descriptor; the caller closes it
     * @throws ProtocolException when the message has no such descriptor
     */
    public int takeFd(int i) throws ProtocolException {
        if (i >= fds.length || fds[i] < 0) {
            throw new ProtocolException(name() + ": expected a file descriptor #" + i + ", got " + fds.length);
        }
        int fd = fds[i];
        fds[i] = -1;
        return fd;
    }

    /** Closes every descriptor no handler took. */
    public void closeUntakenFds() {
        for (int i = 0; i < fds.length; i++) {
            Fds.close(fds[i]);
            fds[i] = -1;
        }
    }

    /** @return the request's name for messages, e.g. SET_MEM_TABLE, or "request 99" */
    public String name() {
        return request != null ? request.name() : "request " + code;
    }

    @Override
    public String toString() {
        return name() + " (flags 0x" + Integer.toHexString(flags) + ", " + payload.capacity() + " bytes, "
                + fds.length + " fds)";
    }
}
