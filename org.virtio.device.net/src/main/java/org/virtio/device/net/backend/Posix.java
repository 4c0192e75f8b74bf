package org.virtio.device.net.backend;

import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The few libc calls the network backends need, bound through FFM (no JNI): open, ioctl, read, write, close,
 * poll, eventfd, socket, bind, sendto, recv. {@code open} and {@code ioctl} are variadic in C and linked
 * with {@code firstVariadicArg(2)}; every call captures errno. Each method takes a caller-owned capture
 * segment so the frame paths allocate nothing; failures become {@link IOException}s naming the call and
 * errno.
 */
final class Posix {
    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int EFD_CLOEXEC = 0x80000;
    static final int AF_UNIX = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;
    static final short POLLIN = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    /** sizeof(struct sockaddr_un): sa_family_t then sun_path[108]. */
    static final int SOCKADDR_UN_SIZE = 110;
    /** Longest sun_path without its NUL. */
    static final int SUN_PATH_MAX = 107;

    private static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final AddressLayout C_STRING = ValueLayout.ADDRESS.withTargetLayout(
            MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE));
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;

    private static final MethodHandle OPEN = call("open", FunctionDescriptor.of(INT, PTR, INT, INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL = call("ioctl", FunctionDescriptor.of(INT, INT, LONG, PTR), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = call("read", FunctionDescriptor.of(LONG, INT, PTR, LONG));
    private static final MethodHandle WRITE = call("write", FunctionDescriptor.of(LONG, INT, PTR, LONG));
    private static final MethodHandle CLOSE = call("close", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle POLL = call("poll", FunctionDescriptor.of(INT, PTR, LONG, INT));
    private static final MethodHandle EVENTFD = call("eventfd", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle SOCKET = call("socket", FunctionDescriptor.of(INT, INT, INT, INT));
    private static final MethodHandle BIND = call("bind", FunctionDescriptor.of(INT, INT, PTR, INT));
    private static final MethodHandle SENDTO = call("sendto", FunctionDescriptor.of(LONG, INT, PTR, LONG, INT, PTR, INT));
    private static final MethodHandle RECV = call("recv", FunctionDescriptor.of(LONG, INT, PTR, LONG, INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(symbol("strerror"), FunctionDescriptor.of(C_STRING, INT));

    /** struct pollfd { int fd; short events; short revents; }. */
    static final long POLLFD_SIZE = 8;

    private Posix() {
    }

    private static MethodHandle call(String name, FunctionDescriptor fd, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(more, 0, options, 1, more.length);
        return LINKER.downcallHandle(symbol(name), fd, options);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name));
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** @return e.g. "errno 1 (Operation not permitted)" */
    static String describe(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return "errno " + errno + " (" + text.reinterpret(Long.MAX_VALUE).getString(0) + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    static IOException failure(String what, MemorySegment state) {
        return new IOException(what + ": " + describe(errno(state)));
    }

    private static IllegalStateException unexpected(Throwable t) {
        return new IllegalStateException("FFM downcall failed", t);
    }

    static int open(MemorySegment state, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(state, path, flags, 0);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int ioctl(MemorySegment state, int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL.invokeExact(state, fd, request, arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long read(MemorySegment state, int fd, MemorySegment buf, long length) {
        try {
            return (long) READ.invokeExact(state, fd, buf, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long write(MemorySegment state, int fd, MemorySegment buf, long length) {
        try {
            return (long) WRITE.invokeExact(state, fd, buf, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Closes a descriptor; -1 is ignored, as are errors (nothing useful to do with them). */
    static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(a.allocate(CAPTURE), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int poll(MemorySegment state, MemorySegment fds, long count, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(state, fds, count, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return a new close-on-exec eventfd */
    static int eventfd() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int fd = (int) EVENTFD.invokeExact(state, 0, EFD_CLOEXEC);
            if (fd < 0) {
                throw failure("eventfd", state);
            }
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Adds 1 to an eventfd, waking anyone polling it. */
    static void signal(int eventFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            long ignored = write(a.allocate(CAPTURE), eventFd, one, 8);
        }
    }

    static int socket(MemorySegment state, int domain, int type) {
        try {
            return (int) SOCKET.invokeExact(state, domain, type, 0);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int bind(MemorySegment state, int fd, MemorySegment addr) {
        try {
            return (int) BIND.invokeExact(state, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long sendto(MemorySegment state, int fd, MemorySegment buf, long length, int flags, MemorySegment addr) {
        try {
            return (long) SENDTO.invokeExact(state, fd, buf, length, flags, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long recv(MemorySegment state, int fd, MemorySegment buf, long length, int flags) {
        try {
            return (long) RECV.invokeExact(state, fd, buf, length, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * @param arena where to allocate
     * @param path  a socket path of at most {@value #SUN_PATH_MAX} bytes
     * @return a filled {@code struct sockaddr_un}
     */
    static MemorySegment sockaddrUn(Arena arena, String path) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (p.length > SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket path longer than " + SUN_PATH_MAX + " bytes: " + path);
        }
        MemorySegment s = arena.allocate(SOCKADDR_UN_SIZE, 2);
        s.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, s, ValueLayout.JAVA_BYTE, 2, p.length);
        return s;
    }

    /**
     * Waits until {@code fd} is readable or {@code wakeFd} was signalled.
     *
     * @param pollfds two pollfd slots, caller-owned
     * @return true when fd is readable, false when woken through wakeFd
     */
    static boolean waitReadable(MemorySegment state, MemorySegment pollfds, int fd, int wakeFd) throws IOException {
        while (true) {
            pollfds.set(ValueLayout.JAVA_INT, 0, fd);
            pollfds.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            pollfds.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            pollfds.set(ValueLayout.JAVA_INT, 8, wakeFd);
            pollfds.set(ValueLayout.JAVA_SHORT, 12, POLLIN);
            pollfds.set(ValueLayout.JAVA_SHORT, 14, (short) 0);
            int n = poll(state, pollfds, 2, -1);
            if (n < 0) {
                if (errno(state) == EINTR) {
                    continue;
                }
                throw failure("poll", state);
            }
            if (pollfds.get(ValueLayout.JAVA_SHORT, 14) != 0) {
                return false;
            }
            if (pollfds.get(ValueLayout.JAVA_SHORT, 6) != 0) {
                return true;
            }
        }
    }
}
