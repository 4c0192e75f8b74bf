package org.virtio.device.net.backend;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A backend over one non-blocking file descriptor. Receiving polls the descriptor together with an eventfd
 * that {@link #close} signals, so a blocked receiver wakes and leaves before the descriptor is closed (a
 * descriptor closed under a thread blocked in read(2) is neither woken nor safe to reuse). Each side keeps
 * its own errno capture and poll segments: the frame paths allocate nothing.
 */
abstract class FdBackend implements NetBackend {
    /** The frame descriptor. */
    protected final int fd;
    private final int wakeFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment recvState = arena.allocate(Posix.CAPTURE);
    private final MemorySegment pollfds = arena.allocate(2 * Posix.POLLFD_SIZE, 8);
    private final MemorySegment sendState = arena.allocate(Posix.CAPTURE);
    private final ReentrantLock recvLock = new ReentrantLock();
    private final ReentrantLock sendLock = new ReentrantLock();
    private volatile boolean closed;

    /** @param fd an open non-blocking descriptor, owned (closed) by this backend */
    FdBackend(int fd) throws IOException {
        this.fd = fd;
        int w;
        try {
            w = Posix.eventfd();
        } catch (IOException e) {
            Posix.close(fd);
            arena.close();
            throw e;
        }
        this.wakeFd = w;
    }

    /** One non-blocking read of a frame into dst. @return the frame length, or -1 with errno in state */
    abstract long readFrame(MemorySegment state, MemorySegment dst);

    /** One non-blocking write of a frame. @return bytes written, or -1 with errno in state */
    abstract long writeFrame(MemorySegment state, MemorySegment frame, int length);

    /** Releases anything beyond the two descriptors; called once, after they are closed. */
    void closed() {
    }

    @Override
    public int receive(MemorySegment dst) throws IOException {
        recvLock.lock();
        try {
            while (!closed) {
                if (!Posix.waitReadable(recvState, pollfds, fd, wakeFd)) {
                    return -1;
                }
                long n = readFrame(recvState, dst);
                if (n >= 0) {
                    return (int) Math.min(n, Integer.MAX_VALUE);
                }
                int errno = Posix.errno(recvState);
                if (errno != Posix.EAGAIN && errno != Posix.EINTR) {
                    throw new IOException(description() + ": receive: " + Posix.describe(errno));
                }
            }
            return -1;
        } finally {
            recvLock.unlock();
        }
    }

    @Override
    public boolean send(MemorySegment frame, int length) throws IOException {
        sendLock.lock();
        try {
            if (closed) {
                throw new IOException(description() + " is closed");
            }
            long n = writeFrame(sendState, frame, length);
            if (n >= 0) {
                return true;
            }
            int errno = Posix.errno(sendState);
            if (dropErrno(errno)) {
                return false;
            }
            throw new IOException(description() + ": send: " + Posix.describe(errno));
        } finally {
            sendLock.unlock();
        }
    }

    /** @return whether a send failing with this errno is a transient drop rather than a failure */
    boolean dropErrno(int errno) {
        return errno == Posix.EAGAIN || errno == Posix.EINTR;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Posix.signal(wakeFd);
        recvLock.lock();
        sendLock.lock();
        try {
            Posix.close(fd);
            Posix.close(wakeFd);
            arena.close();
        } finally {
            sendLock.unlock();
            recvLock.unlock();
        }
        closed();
    }

    /** @return whether {@link #close} was called */
    boolean isClosed() {
        return closed;
    }
}
