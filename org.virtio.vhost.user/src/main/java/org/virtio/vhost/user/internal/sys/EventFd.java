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
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CAPTURE);
            MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            long n = (long) Libc.WRITE.invokeExact(state, fd, one, 8L);
            if (n != 8 && Libc.errno(state) != Libc.EAGAIN) {
                throw Libc.fail("write(eventfd " + fd + ")", state);
            }
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    /**
     * Reads and resets the counter without waiting.
     *
     * @return the counter, 0 when nothing was signalled
     * @throws SysException when read(2) fails for another reason than "nothing there"
     */
    public long drain() throws SysException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CAPTURE);
            MemorySegment v = a.allocate(ValueLayout.JAVA_LONG);
            long n = (long) Libc.READ.invokeExact(state, fd, v, 8L);
            if (n == 8) {
                return v.get(ValueLayout.JAVA_LONG, 0);
            }
            int e = Libc.errno(state);
            if (n < 0 && (e == Libc.EAGAIN || e == Libc.EINTR)) {
                return 0;
            }
            throw Libc.fail("read(eventfd " + fd + ")", state);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    /**
     * Waits until this eventfd or {@code stop} is readable.
     *
     * @param stop a second eventfd that ends the wait
     * @return true when this one became readable, false when stop did
     * @throws SysException when poll(2) fails or either descriptor reports an error
     */
    public boolean awaitOr(EventFd stop) throws SysException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CAPTURE);
            MemorySegment fds = a.allocate(16, 8);
            fds.set(ValueLayout.JAVA_INT, 0, fd);
            fds.set(ValueLayout.JAVA_SHORT, 4, Libc.POLLIN);
            fds.set(ValueLayout.JAVA_INT, 8, stop.fd);
            fds.set(ValueLayout.JAVA_SHORT, 12, Libc.POLLIN);
            while (true) {
                int rc = (int) Libc.POLL.invokeExact(state, fds, 2L, -1);
                if (rc < 0) {
                    if (Libc.errno(state) == Libc.EINTR) {
                        continue;
                    }
                    throw Libc.fail("poll", state);
                }
                short stopEvents = fds.get(ValueLayout.JAVA_SHORT, 14);
                if (stopEvents != 0) {
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
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
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
