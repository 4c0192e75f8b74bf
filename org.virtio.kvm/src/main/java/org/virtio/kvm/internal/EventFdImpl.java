package org.virtio.kvm.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.virtio.kvm.api.EventFd;
import org.virtio.kvm.api.KvmError;
import org.virtio.kvm.api.KvmException;

/**
 * An eventfd registered with KVM (ioeventfd or irqfd). It keeps the registration struct, so closing it
 * can unregister it with the same ioctl and the DEASSIGN flag. Signal and read reuse buffers allocated
 * once (guarded by locks), so the I/O path allocates nothing.
 */
final class EventFdImpl implements EventFd {
    private static final long COUNTER_BYTES = 8;

    private final KvmVmImpl vm;
    private final int fd;
    private final String description;
    private final long request;
    private final MemorySegment registration;
    private final long flagsOffset;
    private final int deassignFlag;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final MemorySegment one;
    private final MemorySegment signalState;
    private final MemorySegment counter;
    private final MemorySegment readState;

    /**
     * @param registration the struct the registration ioctl took (copied)
     */
    EventFdImpl(KvmVmImpl vm, int fd, String description, long request, MemorySegment registration,
            long flagsOffset, int deassignFlag) {
        this.vm = vm;
        this.fd = fd;
        this.description = description;
        this.request = request;
        this.flagsOffset = flagsOffset;
        this.deassignFlag = deassignFlag;
        Arena arena = Arena.ofAuto();
        this.registration = arena.allocate(registration.byteSize(), 8).copyFrom(registration);
        this.one = arena.allocate(COUNTER_BYTES, 8);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        this.signalState = arena.allocate(Libc.CAPTURE);
        this.counter = arena.allocate(COUNTER_BYTES, 8);
        this.readState = arena.allocate(Libc.CAPTURE);
    }

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public void signal() throws KvmException {
        checkOpen();
        synchronized (one) {
            if (Libc.write(signalState, fd, one) != COUNTER_BYTES) {
                int errno = Libc.errno(signalState);
                throw new KvmException(KvmError.SYSCALL_FAILED, "write to " + description + ": " + Libc.describe(errno), errno);
            }
        }
    }

    @Override
    public long tryRead() throws KvmException {
        checkOpen();
        synchronized (counter) {
            if (Libc.read(readState, fd, counter) == COUNTER_BYTES) {
                return counter.get(ValueLayout.JAVA_LONG, 0);
            }
            int errno = Libc.errno(readState);
            if (errno == Libc.EAGAIN) {
                return 0;
            }
            throw new KvmException(KvmError.SYSCALL_FAILED, "read from " + description + ": " + Libc.describe(errno), errno);
        }
    }

    @Override
    public long await(Duration timeout) throws KvmException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            checkOpen();
            long value = tryRead();
            long left = deadline - System.nanoTime();
            if (value != 0 || left <= 0) {
                return value;
            }
            Libc.pollIn(fd, (int) Math.min(Integer.MAX_VALUE, Math.max(1, left / 1_000_000)));
        }
    }

    private void checkOpen() throws KvmException {
        if (closed.get()) {
            throw new KvmException(KvmError.INVALID_STATE, description + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            vm.forget(this);
            unregisterAndClose(true);
        }
    }

    /** Called by the VM's close: the VM descriptor closes next, which drops the registration anyway. */
    void closeWithVm() {
        if (closed.compareAndSet(false, true)) {
            unregisterAndClose(false);
        }
    }

    private void unregisterAndClose(boolean unregister) {
        if (unregister) {
            try {
                registration.set(ValueLayout.JAVA_INT, flagsOffset,
                        registration.get(ValueLayout.JAVA_INT, flagsOffset) | deassignFlag);
                vm.ioctlUnlessClosed(request, registration, "deassigning " + description);
            } catch (KvmException e) {
                // Left registered until the VM closes; the guest's writes then only bump a counter nobody reads.
            }
        }
        Libc.close(fd);
    }

    @Override
    public String toString() {
        return description + " (fd " + fd + ")";
    }
}
