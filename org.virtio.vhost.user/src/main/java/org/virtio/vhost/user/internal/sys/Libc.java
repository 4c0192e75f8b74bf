package org.virtio.vhost.user.internal.sys;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls the vhost-user backend needs, bound through FFM (no JNI): unix sockets (socket, bind,
 * listen, accept4, recvmsg, sendmsg, shutdown), eventfd, read, write, poll, fstat, mmap, munmap,
 * memfd_create, ftruncate and close. Every handle that can fail through errno captures it with
 * {@code captureCallState("errno")}; callers pass a capture segment and read it with {@link #errno}.
 * Raw methods return what C returns; the classes of this package turn failures into exceptions.
 */
final class Libc {
    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SHUT_RDWR = 2;
    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;
    static final int MSG_CTRUNC = 0x8;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;
    static final int MFD_CLOEXEC = 1;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final short POLLIN = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;

    /** struct msghdr (x86-64). */
    static final long MSGHDR_SIZE = 56;
    static final long MSG_IOV = 16;
    static final long MSG_IOVLEN = 24;
    static final long MSG_CONTROL = 32;
    static final long MSG_CONTROLLEN = 40;
    static final long MSG_FLAGS = 48;
    /** struct cmsghdr header: cmsg_len (size_t), cmsg_level, cmsg_type. */
    static final long CMSG_HEADER = 16;
    /** struct stat (x86-64): st_mode at 24, st_size at 48, 144 bytes. */
    static final long STAT_SIZE = 144;
    static final long STAT_MODE = 24;
    static final long STAT_SIZE_FIELD = 48;

    private static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final AddressLayout C_STRING = ValueLayout.ADDRESS.withTargetLayout(
            MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE));

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;

    static final MethodHandle SOCKET = errnoCall("socket", FunctionDescriptor.of(INT, INT, INT, INT));
    static final MethodHandle BIND = errnoCall("bind", FunctionDescriptor.of(INT, INT, PTR, INT));
    static final MethodHandle CONNECT = errnoCall("connect", FunctionDescriptor.of(INT, INT, PTR, INT));
    static final MethodHandle LISTEN = errnoCall("listen", FunctionDescriptor.of(INT, INT, INT));
    static final MethodHandle ACCEPT4 = errnoCall("accept4", FunctionDescriptor.of(INT, INT, PTR, PTR, INT));
    static final MethodHandle RECVMSG = errnoCall("recvmsg", FunctionDescriptor.of(LONG, INT, PTR, INT));
    static final MethodHandle SENDMSG = errnoCall("sendmsg", FunctionDescriptor.of(LONG, INT, PTR, INT));
    static final MethodHandle SHUTDOWN = errnoCall("shutdown", FunctionDescriptor.of(INT, INT, INT));
    static final MethodHandle CLOSE = errnoCall("close", FunctionDescriptor.of(INT, INT));
    static final MethodHandle EVENTFD = errnoCall("eventfd", FunctionDescriptor.of(INT, INT, INT));
    static final MethodHandle READ = errnoCall("read", FunctionDescriptor.of(LONG, INT, PTR, LONG));
    static final MethodHandle WRITE = errnoCall("write", FunctionDescriptor.of(LONG, INT, PTR, LONG));
    static final MethodHandle POLL = errnoCall("poll", FunctionDescriptor.of(INT, PTR, LONG, INT));
    static final MethodHandle FSTAT = errnoCall("fstat", FunctionDescriptor.of(INT, INT, PTR));
    static final MethodHandle MMAP = errnoCall("mmap", FunctionDescriptor.of(PTR, PTR, LONG, INT, INT, INT, LONG));
    static final MethodHandle MUNMAP = errnoCall("munmap", FunctionDescriptor.of(INT, PTR, LONG));
    static final MethodHandle MEMFD_CREATE = errnoCall("memfd_create", FunctionDescriptor.of(INT, PTR, INT));
    static final MethodHandle FTRUNCATE = errnoCall("ftruncate", FunctionDescriptor.of(INT, INT, LONG));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(symbol("strerror"),
            FunctionDescriptor.of(C_STRING, INT));

    private Libc() {
    }

    private static MethodHandle errnoCall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd, CAPTURE_ERRNO);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name));
    }

    /** @param state a capture segment after a failed call  @return the errno it holds */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** @param errno an errno value  @return e.g. "errno 22 (Invalid argument)" */
    static String describe(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return "errno " + errno + " (" + text.reinterpret(Long.MAX_VALUE).getString(0) + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** @param call what failed  @param state the capture segment  @return an exception naming call and errno */
    static SysException fail(String call, MemorySegment state) {
        int e = errno(state);
        return new SysException(call + " failed: " + describe(e), e);
    }

    /** Wraps the Throwable a downcall handle declares (it never throws one in practice). */
    static IllegalStateException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("FFM downcall failed", t);
    }
}
