package org.virtio.vhost.user.internal.sys;

import java.io.EOFException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

/**
 * One connected AF_UNIX stream socket: reads and writes bytes with file descriptors passed as SCM_RIGHTS
 * control messages (recvmsg/sendmsg). Received descriptors are close-on-exec; a message carrying more
 * descriptors than the control buffer holds is refused (the kernel closes the ones it dropped, we close
 * the rest). One reading thread and one writing thread at a time.
 */
public final class UnixConnection implements AutoCloseable {
    /** Most descriptors accepted with one read. */
    public static final int MAX_FDS = 16;
    private static final long CONTROL_SIZE = Libc.CMSG_HEADER + 4L * MAX_FDS;

    private final int fd;
    private volatile boolean closed;

    /** @param fd a connected socket this object now owns */
    UnixConnection(int fd) {
        this.fd = fd;
    }

    /**
     * Connects to a listening socket (the frontend side, used by tests and tools).
     *
     * @param path the socket file
     * @return the connection
     * @throws SysException when socket or connect fails
     */
    public static UnixConnection connect(Path path) throws SysException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CAPTURE);
            int s = (int) Libc.SOCKET.invokeExact(state, Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
            if (s < 0) {
                throw Libc.fail("socket(AF_UNIX)", state);
            }
            MemorySegment addr = UnixListener.sockaddr(a, path);
            int rc = (int) Libc.CONNECT.invokeExact(state, s, addr, (int) addr.byteSize());
            if (rc != 0) {
                SysException e = Libc.fail("connect(" + path + ")", state);
                Fds.close(s);
                throw e;
            }
            return new UnixConnection(s);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    /**
     * Reads exactly {@code dst.byteSize()} bytes, adding descriptors that arrive with them to {@code fds}.
     *
     * @param dst where the bytes go
     * @param fds receives descriptors (the caller owns them from then on, also when this throws)
     * @return false when the peer closed the connection before the first byte
     * @throws EOFException when the peer closed it in the middle
     * @throws SysException when recvmsg fails or descriptors were truncated
     */
    public boolean readFully(MemorySegment dst, List<Integer> fds) throws EOFException, SysException {
        long got = 0;
        long want = dst.byteSize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CAPTURE);
            MemorySegment msg = a.allocate(Libc.MSGHDR_SIZE, 8);
            MemorySegment iov = a.allocate(16, 8);
            MemorySegment control = a.allocate(CONTROL_SIZE, 8);
            MemorySegment buf = a.allocate(Math.max(1, want), 8);
            while (got < want) {
                msg.fill((byte) 0);
                iov.set(ValueLayout.ADDRESS, 0, buf.asSlice(got));
                iov.set(ValueLayout.JAVA_LONG, 8, want - got);
                msg.set(ValueLayout.ADDRESS, Libc.MSG_IOV, iov);
                msg.set(ValueLayout.JAVA_LONG, Libc.MSG_IOVLEN, 1);
                msg.set(ValueLayout.ADDRESS, Libc.MSG_CONTROL, control);
                msg.set(ValueLayout.JAVA_LONG, Libc.MSG_CONTROLLEN, CONTROL_SIZE);
                long n = (long) Libc.RECVMSG.invokeExact(state, fd, msg, Libc.MSG_CMSG_CLOEXEC);
                if (n < 0) {
                    if (Libc.errno(state) == Libc.EINTR) {
                        continue;
                    }
                    throw Libc.fail("recvmsg", state);
                }
                collectFds(control, msg.get(ValueLayout.JAVA_LONG, Libc.MSG_CONTROLLEN), fds);
                if ((msg.get(ValueLayout.JAVA_INT, Libc.MSG_FLAGS) & Libc.MSG_CTRUNC) != 0) {
                    throw new SysException("more than " + MAX_FDS + " file descriptors in one message", 0);
                }
                if (n == 0) {
                    if (got == 0) {
                        return false;
                    }
                    throw new EOFException("peer closed the connection after " + got + " of " + want + " bytes");
                }
                got += n;
            }
            MemorySegment.copy(buf, 0, dst, 0, want);
            return true;
        } catch (EOFException | SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    private static void collectFds(MemorySegment control, long controlLen, List<Integer> fds) {
        long off = 0;
        while (off + Libc.CMSG_HEADER <= controlLen) {
            long len = control.get(ValueLayout.JAVA_LONG, off);
            int level = control.get(ValueLayout.JAVA_INT, off + 8);
            int type = control.get(ValueLayout.JAVA_INT, off + 12);
            if (len < Libc.CMSG_HEADER || off + len > controlLen) {
                break;
            }
            if (level == Libc.SOL_SOCKET && type == Libc.SCM_RIGHTS) {
                for (long p = off + Libc.CMSG_HEADER; p + 4 <= off + len; p += 4) {
                    fds.add(control.get(ValueLayout.JAVA_INT, p));
                }
            }
            off += (len + 7) & ~7L;
        }
    }

    /**
     * Writes all bytes; the descriptors go with the first chunk.
     *
     * @param src the bytes
     * @param fds descriptors to pass (still owned by the caller), at most {@value #MAX_FDS}
     * @throws SysException when sendmsg fails (EPIPE when the peer is gone)
     */
    public void write(MemorySegment src, int... fds) throws SysException {
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException(fds.length + " descriptors, at most " + MAX_FDS);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CAPTURE);
            MemorySegment msg = a.allocate(Libc.MSGHDR_SIZE, 8);
            MemorySegment iov = a.allocate(16, 8);
            MemorySegment buf = a.allocate(Math.max(1, src.byteSize()), 8);
            MemorySegment.copy(src, 0, buf, 0, src.byteSize());
            MemorySegment control = MemorySegment.NULL;
            long controlLen = 0;
            if (fds.length > 0) {
                controlLen = Libc.CMSG_HEADER + ((4L * fds.length + 7) & ~7L);
                control = a.allocate(controlLen, 8);
                control.set(ValueLayout.JAVA_LONG, 0, Libc.CMSG_HEADER + 4L * fds.length);
                control.set(ValueLayout.JAVA_INT, 8, Libc.SOL_SOCKET);
                control.set(ValueLayout.JAVA_INT, 12, Libc.SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) {
                    control.set(ValueLayout.JAVA_INT, Libc.CMSG_HEADER + 4L * i, fds[i]);
                }
            }
            long sent = 0;
            long total = src.byteSize();
            do {
                msg.fill((byte) 0);
                iov.set(ValueLayout.ADDRESS, 0, buf.asSlice(sent));
                iov.set(ValueLayout.JAVA_LONG, 8, total - sent);
                msg.set(ValueLayout.ADDRESS, Libc.MSG_IOV, iov);
                msg.set(ValueLayout.JAVA_LONG, Libc.MSG_IOVLEN, 1);
                if (sent == 0 && controlLen > 0) {
                    msg.set(ValueLayout.ADDRESS, Libc.MSG_CONTROL, control);
                    msg.set(ValueLayout.JAVA_LONG, Libc.MSG_CONTROLLEN, controlLen);
                }
                long n = (long) Libc.SENDMSG.invokeExact(state, fd, msg, Libc.MSG_NOSIGNAL);
                if (n < 0) {
                    if (Libc.errno(state) == Libc.EINTR) {
                        continue;
                    }
                    throw Libc.fail("sendmsg", state);
                }
                sent += n;
            } while (sent < total);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    /** Wakes a thread blocked in {@link #readFully} (it sees end of file); the descriptor stays open. */
    public void shutdown() {
        if (closed) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) Libc.SHUTDOWN.invokeExact(a.allocate(Libc.CAPTURE), fd, Libc.SHUT_RDWR);
        } catch (Throwable t) {
            // an already shut down socket: nothing to do
        }
    }

    /** Closes the socket; a second call does nothing. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Fds.close(fd);
        }
    }

    @Override
    public String toString() {
        return "unix connection fd " + fd;
    }
}
