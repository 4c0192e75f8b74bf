package org.virtio.vhost.user.internal.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A listening AF_UNIX stream socket whose file is created with mode 0600 and no window in which it is
 * more open: it is bound inside a fresh 0700 directory next to the target, chmod-ed to 0600 there, then
 * renamed onto the target path (the process umask is left alone, so other threads are not affected).
 * A stale socket file at the target (nobody listening) is replaced; a live one, or any other kind of file,
 * is refused.
 */
public final class UnixListener implements AutoCloseable {
    /** sun_path holds 108 bytes including the terminating NUL. */
    private static final int SUN_PATH = 108;

    private final int fd;
    private final Path path;
    private volatile boolean closed;

    private UnixListener(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    /**
     * @param path the socket file to create
     * @return the listening socket
     * @throws IOException when the path is unusable (too long, not a socket, directory not writable) or a
     *                     call fails
     */
    public static UnixListener bind(Path path) throws IOException {
        Path target = path.toAbsolutePath().normalize();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!isSocket(target)) {
                throw new IOException(target + " exists and is not a socket; refusing to replace it");
            }
            if (listening(target)) {
                throw new IOException(target + " is a socket someone is listening on; refusing to replace it");
            }
        }
        Path parent = target.getParent();
        Path staging = Files.createTempDirectory(parent, ".vu",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path temp = staging.resolve("s");
        int s = -1;
        try (Arena a = Arena.ofConfined()) {
            checkLength(target);
            MemorySegment addr = sockaddr(a, temp);
            MemorySegment state = a.allocate(Libc.CAPTURE);
            s = (int) Libc.SOCKET.invokeExact(state, Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
            if (s < 0) {
                throw Libc.fail("socket(AF_UNIX)", state);
            }
            if ((int) Libc.BIND.invokeExact(state, s, addr, (int) addr.byteSize()) != 0) {
                throw Libc.fail("bind(" + temp + ")", state);
            }
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            if ((int) Libc.LISTEN.invokeExact(state, s, 4) != 0) {
                throw Libc.fail("listen", state);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            UnixListener l = new UnixListener(s, target);
            s = -1;
            return l;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        } finally {
            Fds.close(s);
            Files.deleteIfExists(temp);
            Files.deleteIfExists(staging);
        }
    }

    /** @return whether a connect to the socket file succeeds (a live server; a stale file refuses) */
    private static boolean listening(Path p) {
        try (UnixConnection c = UnixConnection.connect(p)) {
            return true;
        } catch (SysException e) {
            return false;
        }
    }

    private static boolean isSocket(Path p) throws IOException {
        Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return mode instanceof Integer m && (m & 0170000) == 0140000;
    }

    private static void checkLength(Path p) throws IOException {
        int n = p.toString().getBytes(StandardCharsets.UTF_8).length;
        if (n >= SUN_PATH) {
            throw new IOException("socket path is " + n + " bytes; a unix socket path must be shorter than "
                    + SUN_PATH + ": " + p);
        }
    }

    static MemorySegment sockaddr(Arena a, Path p) throws IOException {
        byte[] name = p.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH) {
            throw new IOException("socket path is " + name.length + " bytes; a unix socket path must be shorter than "
                    + SUN_PATH + ": " + p);
        }
        MemorySegment addr = a.allocate(2 + SUN_PATH, 2);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_UNIX);
        MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
        return addr;
    }

    /** @return the socket file */
    public Path path() {
        return path;
    }

    /**
     * Waits for the next frontend.
     *
     * @return the connection, or null once {@link #close} was called
     * @throws SysException when accept fails for another reason
     */
    public UnixConnection accept() throws SysException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Libc.CAPTURE);
            while (true) {
                int c = (int) Libc.ACCEPT4.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL,
                        Libc.SOCK_CLOEXEC);
                if (c >= 0) {
                    return new UnixConnection(c);
                }
                if (closed) {
                    return null;
                }
                int e = Libc.errno(state);
                if (e == Libc.EINTR || e == 103 /* ECONNABORTED */) {
                    continue;
                }
                throw Libc.fail("accept4", state);
            }
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    /** Wakes {@link #accept} (shutdown on a listening socket does), closes the socket and removes its file. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) Libc.SHUTDOWN.invokeExact(a.allocate(Libc.CAPTURE), fd, Libc.SHUT_RDWR);
        } catch (Throwable t) {
            // nothing to undo
        }
        try {
            if (isSocket(path)) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // already gone, or replaced by someone else
        }
    }

    /** Releases the descriptor once the accepting thread has returned. */
    public void release() {
        Fds.close(fd);
    }
}
