package org.virtio.vhost.user.internal.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Plain file descriptor helpers: close and fstat. */
public final class Fds {
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;

    private Fds() {
    }

    /** @param fd a descriptor to close; negative values are ignored, as are close(2) errors (nothing to undo) */
    public static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) Libc.CLOSE.invokeExact(a.allocate(Libc.CAPTURE), fd);
        } catch (Throwable t) {
            // close(2) failures leave nothing to undo
        }
    }

    /**
     * The size of a regular file (a memfd is one), so a mapping never reaches past its end: touching
     * such a page would be SIGBUS, which kills the JVM.
     *
     * @param fd a descriptor
     * @return the file size in bytes
     * @throws SysException when fstat fails or the descriptor is not a regular file
     */
    public static long regularFileSize(int fd) throws SysException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CAPTURE);
            MemorySegment st = a.allocate(Libc.STAT_SIZE, 8);
            int rc = (int) Libc.FSTAT.invokeExact(state, fd, st);
            if (rc != 0) {
                throw Libc.fail("fstat(" + fd + ")", state);
            }
            int mode = st.get(java.lang.foreign.ValueLayout.JAVA_INT, Libc.STAT_MODE);
            if ((mode & S_IFMT) != S_IFREG) {
                throw new SysException("descriptor " + fd + " is not a regular file or memfd (mode 0"
                        + Integer.toOctalString(mode) + ")", 0);
            }
            return st.get(java.lang.foreign.ValueLayout.JAVA_LONG, Libc.STAT_SIZE_FIELD);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }
}
