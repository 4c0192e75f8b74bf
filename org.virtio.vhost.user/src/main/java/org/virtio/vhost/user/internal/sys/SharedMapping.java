package org.virtio.vhost.user.internal.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A MAP_SHARED read-write mapping of part of a file (the frontend's guest memory memfd, or an inflight
 * region). mmap needs a page-aligned file offset, so the mapping starts at the page below the offset and
 * {@link #segment} is the exact range asked for. The range must lie inside the file: a page past the
 * end of the file is SIGBUS on first touch, which would kill the JVM.
 */
public final class SharedMapping implements AutoCloseable {
    private static final long PAGE = 4096;

    private final MemorySegment whole;
    private final MemorySegment segment;
    private boolean closed;

    private SharedMapping(MemorySegment whole, MemorySegment segment) {
        this.whole = whole;
        this.segment = segment;
    }

    /**
     * @param fd     a regular file or memfd descriptor (not taken over: the caller still closes it)
     * @param offset byte offset in the file
     * @param size   bytes, positive
     * @return the mapping
     * @throws SysException when the range is empty, overflows, reaches past the end of the file, or mmap fails
     */
    public static SharedMapping map(int fd, long offset, long size) throws SysException {
        if (size <= 0 || offset < 0) {
            throw new SysException("mapping of " + size + " bytes at offset " + offset + " is empty or negative", 0);
        }
        long end;
        try {
            end = Math.addExact(offset, size);
        } catch (ArithmeticException e) {
            throw new SysException("mapping of " + size + " bytes at offset " + offset + " overflows", 0);
        }
        long fileSize = Fds.regularFileSize(fd);
        if (end > fileSize) {
            throw new SysException("mapping [" + offset + ", " + end + ") reaches past the end of the " + fileSize
                    + "-byte file", 0);
        }
        long base = offset & -PAGE;
        long delta = offset - base;
        long length = size + delta;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CAPTURE);
            MemorySegment p = (MemorySegment) Libc.MMAP.invokeExact(state, MemorySegment.NULL, length,
                    Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, base);
            if (p.address() == -1L) {
                throw Libc.fail("mmap(" + length + " bytes of fd " + fd + " at " + base + ")", state);
            }
            MemorySegment whole = p.reinterpret(length);
            return new SharedMapping(whole, whole.asSlice(delta, size));
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    /**
     * @param name shown in /proc/PID/fd
     * @param size bytes
     * @return a new memfd of that size (close-on-exec)
     * @throws SysException when memfd_create or ftruncate fails
     */
    public static int createMemfd(String name, long size) throws SysException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CAPTURE);
            int fd = (int) Libc.MEMFD_CREATE.invokeExact(state, a.allocateFrom(name), Libc.MFD_CLOEXEC);
            if (fd < 0) {
                throw Libc.fail("memfd_create", state);
            }
            int rc = (int) Libc.FTRUNCATE.invokeExact(state, fd, size);
            if (rc != 0) {
                SysException e = Libc.fail("ftruncate(" + size + ")", state);
                Fds.close(fd);
                throw e;
            }
            return fd;
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    /** @return the mapped range, exactly as asked for (global scope: valid until {@link #close}) */
    public MemorySegment segment() {
        return segment;
    }

    /** Unmaps; a second call does nothing. Nothing may touch {@link #segment} afterwards. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) Libc.MUNMAP.invokeExact(a.allocate(Libc.CAPTURE), whole, whole.byteSize());
        } catch (Throwable t) {
            // munmap of our own mapping does not fail; nothing to undo if it did
        }
    }
}
