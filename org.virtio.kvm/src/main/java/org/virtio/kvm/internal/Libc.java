package org.virtio.kvm.internal;

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

import org.virtio.kvm.api.KvmError;
import org.virtio.kvm.api.KvmException;

/**
 * The libc calls this bundle needs, bound through FFM (no JNI): open, close, ioctl, mmap, munmap,
 * eventfd, read, write, poll, and the pthread/signal calls the vCPU kick uses. {@code open} and
 * {@code ioctl} are variadic in C, so their handles are linked with {@code firstVariadicArg(2)}; every
 * handle that can fail through errno captures it with {@code captureCallState("errno")}.
 *
 * <p>Raw methods return the C result and leave errno in a caller-supplied capture segment (the vCPU run
 * loop keeps one per thread so KVM_RUN allocates nothing); checked methods throw a {@link KvmException}
 * naming the call and errno.
 */
final class Libc {
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;
    static final short POLLIN = 1;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int ENODEV = 19;
    static final int ENXIO = 6;

    static final int SIG_BLOCK = 0;
    /** sizeof(sigset_t) in glibc (1024 bits); the kernel's own sigset is its first 8 bytes. */
    static final long SIGSET_BYTES = 128;
    /** sizeof(siginfo_t). */
    static final long SIGINFO_BYTES = 128;

    private static final Linker LINKER = Linker.nativeLinker();
    /** The layout of the errno capture segment each raw call takes. */
    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final AddressLayout C_STRING = ValueLayout.ADDRESS.withTargetLayout(
            MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE));

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;

    private static final MethodHandle OPEN = errnoCall("open", FunctionDescriptor.of(INT, PTR, INT, INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = errnoCall("close", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle IOCTL_PTR = errnoCall("ioctl", FunctionDescriptor.of(INT, INT, LONG, PTR),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_LONG = errnoCall("ioctl", FunctionDescriptor.of(INT, INT, LONG, LONG),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP = errnoCall("mmap",
            FunctionDescriptor.of(PTR, PTR, LONG, INT, INT, INT, LONG));
    private static final MethodHandle MUNMAP = errnoCall("munmap", FunctionDescriptor.of(INT, PTR, LONG));
    private static final MethodHandle EVENTFD = errnoCall("eventfd", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle READ = errnoCall("read", FunctionDescriptor.of(LONG, INT, PTR, LONG));
    private static final MethodHandle WRITE = errnoCall("write", FunctionDescriptor.of(LONG, INT, PTR, LONG));
    private static final MethodHandle POLL = errnoCall("poll", FunctionDescriptor.of(INT, PTR, LONG, INT));
    private static final MethodHandle SIGTIMEDWAIT = errnoCall("sigtimedwait", FunctionDescriptor.of(INT, PTR, PTR, PTR));
    // pthread_* return the error number instead of setting errno.
    private static final MethodHandle PTHREAD_SELF = plainCall("pthread_self", FunctionDescriptor.of(LONG));
    private static final MethodHandle PTHREAD_KILL = plainCall("pthread_kill", FunctionDescriptor.of(INT, LONG, INT));
    private static final MethodHandle PTHREAD_SIGMASK = plainCall("pthread_sigmask", FunctionDescriptor.of(INT, INT, PTR, PTR));
    private static final MethodHandle SIGEMPTYSET = plainCall("sigemptyset", FunctionDescriptor.of(INT, PTR));
    private static final MethodHandle SIGADDSET = plainCall("sigaddset", FunctionDescriptor.of(INT, PTR, INT));
    private static final MethodHandle STRERROR = plainCall("strerror", FunctionDescriptor.of(C_STRING, INT));

    private Libc() {
    }

    private static MethodHandle errnoCall(String name, FunctionDescriptor fd, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(more, 0, options, 1, more.length);
        return LINKER.downcallHandle(symbol(name), fd, options);
    }

    private static MethodHandle plainCall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name));
    }

    /** @param state a capture segment after a failed call  @return the errno it holds */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** @param errno an errno value  @return e.g. "EINVAL (Invalid argument)" */
    static String describe(int errno) {
        String name = switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case 5 -> "EIO";
            case ENXIO -> "ENXIO";
            case 7 -> "E2BIG";
            case 9 -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case 12 -> "ENOMEM";
            case EACCES -> "EACCES";
            case 14 -> "EFAULT";
            case 16 -> "EBUSY";
            case 17 -> "EEXIST";
            case ENODEV -> "ENODEV";
            case 22 -> "EINVAL";
            case 24 -> "EMFILE";
            case 25 -> "ENOTTY";
            case 28 -> "ENOSPC";
            default -> "errno " + errno;
        };
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return name + " (" + text.reinterpret(Long.MAX_VALUE).getString(0) + ")";
        } catch (Throwable t) {
            return name;
        }
    }

    private static IllegalStateException unexpected(Throwable t) {
        return new IllegalStateException("FFM downcall failed", t);
    }

    // ---- raw calls: result as C returns it, errno in state ----

    /** ioctl(fd, request, arg) with a pointer argument. */
    static int ioctl(MemorySegment state, int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL_PTR.invokeExact(state, fd, request, arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** ioctl(fd, request, arg) with an integer argument. */
    static int ioctl(MemorySegment state, int fd, long request, long arg) {
        try {
            return (int) IOCTL_LONG.invokeExact(state, fd, request, arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long read(MemorySegment state, int fd, MemorySegment buf) {
        try {
            return (long) READ.invokeExact(state, fd, buf, buf.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long write(MemorySegment state, int fd, MemorySegment buf) {
        try {
            return (long) WRITE.invokeExact(state, fd, buf, buf.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- checked calls ----

    /**
     * Opens a file read-write, close-on-exec.
     *
     * @param path file name
     * @return the descriptor, or {@code -errno} when open failed (the caller turns that into its own message)
     */
    static int openReadWrite(String path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(state, a.allocateFrom(path), O_RDWR | O_CLOEXEC, 0);
            return fd >= 0 ? fd : -errno(state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @param fd a descriptor to close; -1 is ignored, as are close(2) errors (nothing useful to do) */
    static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(a.allocate(CAPTURE), fd);
        } catch (Throwable t) {
            // close(2) failures leave nothing to undo
        }
    }

    /**
     * ioctl with an integer argument that must not fail.
     *
     * @param what the call as shown in the error, e.g. "KVM_CREATE_VCPU(1)"
     * @return the non-negative result
     */
    static int ioctlChecked(int fd, long request, long arg, String what) throws KvmException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int rc = ioctl(state, fd, request, arg);
            if (rc < 0) {
                int errno = errno(state);
                throw new KvmException(KvmError.IOCTL_FAILED, what + ": " + describe(errno), errno);
            }
            return rc;
        }
    }

    /** ioctl with a pointer argument that must not fail. */
    static int ioctlChecked(int fd, long request, MemorySegment arg, String what) throws KvmException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int rc = ioctl(state, fd, request, arg);
            if (rc < 0) {
                int errno = errno(state);
                throw new KvmException(KvmError.IOCTL_FAILED, what + ": " + describe(errno), errno);
            }
            return rc;
        }
    }

    /** mmap(NULL, size, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0), sized to exactly size bytes. */
    static MemorySegment mapShared(int fd, long size, String what) throws KvmException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            MemorySegment p = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, size,
                    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
            if (p.address() == -1L) {
                int errno = errno(state);
                throw new KvmException(KvmError.SYSCALL_FAILED, "mmap of " + what + ": " + describe(errno), errno);
            }
            return p.reinterpret(size);
        } catch (KvmException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** munmap of a segment from {@link #mapShared}; failures are ignored (nothing useful to do). */
    static void unmap(MemorySegment mapping) {
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) MUNMAP.invokeExact(a.allocate(CAPTURE), mapping, mapping.byteSize());
        } catch (Throwable t) {
            // nothing to undo
        }
    }

    /** @return a new non-blocking, close-on-exec eventfd with counter 0 */
    static int eventfd() throws KvmException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int fd = (int) EVENTFD.invokeExact(state, 0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (fd < 0) {
                int errno = errno(state);
                throw new KvmException(KvmError.SYSCALL_FAILED, "eventfd: " + describe(errno), errno);
            }
            return fd;
        } catch (KvmException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * poll(2) on one descriptor for POLLIN.
     *
     * @return whether fd became readable before the timeout (EINTR counts as not yet)
     */
    static boolean pollIn(int fd, int timeoutMillis) throws KvmException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            MemorySegment pfd = a.allocate(8, 4);
            pfd.set(INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            int rc = (int) POLL.invokeExact(state, pfd, 1L, timeoutMillis);
            if (rc < 0) {
                int errno = errno(state);
                if (errno == EINTR) {
                    return false;
                }
                throw new KvmException(KvmError.SYSCALL_FAILED, "poll: " + describe(errno), errno);
            }
            return rc > 0;
        } catch (KvmException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- threads and signals (the vCPU kick) ----

    /** @return pthread_self() of the calling thread */
    static long pthreadSelf() {
        try {
            return (long) PTHREAD_SELF.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return 0, or the error number pthread_kill returned */
    static int pthreadKill(long thread, int signal) {
        try {
            return (int) PTHREAD_KILL.invokeExact(thread, signal);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * @param set a {@link #SIGSET_BYTES} segment, filled with exactly {@code signal}
     */
    static void sigsetOf(MemorySegment set, int signal) {
        try {
            int ignored = (int) SIGEMPTYSET.invokeExact(set);
            ignored = (int) SIGADDSET.invokeExact(set, signal);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Blocks the signals of {@code set} in the calling thread.
     *
     * @param old receives the previous mask
     */
    static void blockSignals(MemorySegment set, MemorySegment old) throws KvmException {
        try {
            int rc = (int) PTHREAD_SIGMASK.invokeExact(SIG_BLOCK, set, old);
            if (rc != 0) {
                throw new KvmException(KvmError.SYSCALL_FAILED, "pthread_sigmask: " + describe(rc), rc);
            }
        } catch (KvmException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Takes one pending signal of {@code set} off the calling thread without waiting.
     *
     * @param timespec a zeroed 16-byte struct timespec
     * @return the signal number, or -1 when none was pending
     */
    static int takePendingSignal(MemorySegment state, MemorySegment set, MemorySegment timespec) {
        try {
            return (int) SIGTIMEDWAIT.invokeExact(state, set, MemorySegment.NULL, timespec);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
