package org.virtio.vhost.user.internal.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An eventfd: either one the frontend passed (kick, call, err) or one of ours (a waiter's stop signal).
 * Owns the descriptor; {@link #close} closes it once. The frontend's descriptors may be non-blocking, so
 * waiting is done with poll(2) and a read that finds nothing is not an error.
 */
public final class EventFd implements AutoCloseable {
    private static final long CAPTURE_BYTES = (Libc.CAPTURE.byteSize() + 7) & ~7L;
    private static final long VALUE = CAPTURE_BYTES;
    private static final long POLLFDS = CAPTURE_BYTES + 8;
    /**
     * Per-thread native scratch (errno capture, the 8-byte counter, two pollfds), so the kick and call
     * paths allocate nothing per signal; auto arena: freed with the thread's ThreadLocal.
     */
    private static final ThreadLocal<MemorySegment> SCRATCH = ThreadLocal.withInitial(
            () -> Arena.ofAuto().allocate(POLLFDS + 16, 8));

    private final int fd;
    private volatile boolean closed;

    /** @param fd a descriptor this object now owns */
    public EventFd(int fd) {
        this.fd = fd;
    }

    /** @return a new eventfd of ours (close-on-exec, non-blocking)  @throws SysException when eventfd fails */
    public static EventFd create() throws SysException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CAPTURE);
            int fd = (int) Libc.EVENTFD.invokeExact(state, 0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            if (fd < 0) {
                throw Libc.fail("eventfd", state);
            }
            return new EventFd(fd);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    /** @return the descriptor */
    public int fd() {
        return fd;
    }

    /**
     * Adds 1 to the counter.
     *
     * @throws SysException when write(2) fails
     */
    public void signal() throws SysException {
        if (closed) {
            return;
        }
        MemorySegment scratch = SCRATCH.get();
        MemorySegment value = scratch.asSlice(VALUE, 8);
        value.set(ValueLayout.JAVA_LONG, 0, 1L);
        long n;
        try {
            n = (long) Libc.WRITE.invokeExact(scratch, fd, value, 8L);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (n != 8 && Libc.errno(scratch) != Libc.EAGAIN) {
            throw Libc.fail("write(eventfd " + fd + ")", scratch);
        }
    }

    /**
     * Reads and resets the counter without waiting.
     *
     * @return the counter, 0 when nothing was signalled
     * @throws SysException when read(2) fails for another reason than "nothing there"
     */
    public long drain() throws SysException {
        MemorySegment scratch = SCRATCH.get();
        MemorySegment value = scratch.asSlice(VALUE, 8);
        long n;
        try {
            n = (long) Libc.READ.invokeExact(scratch, fd, value, 8L);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (n == 8) {
            return value.get(ValueLayout.JAVA_LONG, 0);
        }
        int e = Libc.errno(scratch);
        if (n < 0 && (e == Libc.EAGAIN || e == Libc.EINTR)) {
            return 0;
        }
        throw Libc.fail("read(eventfd " + fd + ")", scratch);
    }

    /**
     * Waits until this eventfd or {@code stop} is readable.
     *
     * @param stop a second eventfd that ends the wait
     * @return true when this one became readable, false when stop did
     * @throws SysException when poll(2) fails or either descriptor reports an error
     */
    public boolean awaitOr(EventFd stop) throws SysException {
        MemorySegment scratch = SCRATCH.get();
        MemorySegment fds = scratch.asSlice(POLLFDS, 16);
        while (true) {
            fds.set(ValueLayout.JAVA_INT, 0, fd);
            fds.set(ValueLayout.JAVA_SHORT, 4, Libc.POLLIN);
            fds.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            fds.set(ValueLayout.JAVA_INT, 8, stop.fd);
            fds.set(ValueLayout.JAVA_SHORT, 12, Libc.POLLIN);
            fds.set(ValueLayout.JAVA_SHORT, 14, (short) 0);
            int rc;
            try {
                rc = (int) Libc.POLL.invokeExact(scratch, fds, 2L, -1);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
            if (rc < 0) {
                if (Libc.errno(scratch) == Libc.EINTR) {
                    continue;
                }
                throw Libc.fail("poll", scratch);
            }
            if (fds.get(ValueLayout.JAVA_SHORT, 14) != 0) {
                return false;
            }
            short events = fds.get(ValueLayout.JAVA_SHORT, 6);
            if ((events & Libc.POLLIN) != 0) {
                return true;
            }
            if (events != 0) {
                throw new SysException("poll on eventfd " + fd + " reported events 0x" + Integer.toHexString(events), 0);
            }
        }
    }

    /** Closes the descriptor; a second call does nothing. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Fds.close(fd);
        }
    }

    @Override
    public String toString() {
        return "eventfd " + fd;
    }
}
