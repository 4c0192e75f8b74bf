package org.virtio.device.net.backend;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Frames as unix datagrams: the backend binds its own {@code SOCK_DGRAM} socket at a path and sends every
 * frame to a peer path, one frame per datagram (no length prefix, no header). Needs no privileges, so tests
 * and user-space switches can use it. Sends never block (MSG_DONTWAIT): a peer that is absent or not
 * reading loses frames, which are counted as drops. Received datagrams longer than the receive buffer are
 * reported with their real length (MSG_TRUNC) so the device can drop them. A stale socket file at the bind
 * path is replaced; any other file there is refused. The socket file is removed on {@link #close}, unless
 * another instance has bound a new one at the same path meanwhile.
 */
public final class UnixDatagramBackend extends FdBackend {
    /** S_IFMT and S_IFSOCK from {@code sys/stat.h}. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int ENOENT = 2;
    private static final int ECONNREFUSED = 111;
    private static final int ENOBUFS = 105;

    private final Path local;
    private final Path peer;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment peerAddress;
    /** The bound socket file's identity, so close removes only our own file, not a successor's. */
    private final Object fileKey;

    private UnixDatagramBackend(int fd, Path local, Path peer) throws IOException {
        super(fd);
        this.local = local;
        this.peer = peer;
        this.peerAddress = Posix.sockaddrUn(arena, peer.toString());
        this.fileKey = fileKey(local);
    }

    /** @return the file's identity (device and inode), or null when it is gone */
    static Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * @param local where to bind, at most 107 bytes
     * @param peer  where frames are sent, at most 107 bytes; it need not exist yet
     * @return the open backend
     * @throws IOException when the socket cannot be created or bound, or a non-socket file is at {@code local}
     */
    public static UnixDatagramBackend open(Path local, Path peer) throws IOException {
        removeStaleSocket(local);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Posix.CAPTURE);
            MemorySegment addr = Posix.sockaddrUn(a, local.toString());
            Posix.sockaddrUn(a, peer.toString()); // check the peer path's length before creating anything
            int fd = Posix.socket(state, Posix.AF_UNIX, Posix.SOCK_DGRAM | Posix.SOCK_CLOEXEC);
            if (fd < 0) {
                throw Posix.failure("socket(AF_UNIX, SOCK_DGRAM)", state);
            }
            if (Posix.bind(state, fd, addr) < 0) {
                IOException e = Posix.failure("bind " + local, state);
                Posix.close(fd);
                throw e;
            }
            return new UnixDatagramBackend(fd, local, peer);
        }
    }

    /** Deletes a leftover socket file; refuses to touch anything else. */
    static void removeStaleSocket(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket");
        }
        Files.delete(path);
    }

    @Override
    long readFrame(MemorySegment state, MemorySegment dst) {
        return Posix.recv(state, fd, dst, dst.byteSize(), Posix.MSG_TRUNC | Posix.MSG_DONTWAIT);
    }

    @Override
    long writeFrame(MemorySegment state, MemorySegment frame, int length) {
        return Posix.sendto(state, fd, frame, length, Posix.MSG_DONTWAIT, peerAddress);
    }

    /** No peer (ENOENT, ECONNREFUSED) or a full peer (EAGAIN, ENOBUFS) loses the frame. */
    @Override
    boolean dropErrno(int errno) {
        return super.dropErrno(errno) || errno == ENOENT || errno == ECONNREFUSED || errno == ENOBUFS;
    }

    @Override
    void closed() {
        arena.close();
        try {
            if (fileKey != null && fileKey.equals(fileKey(local))) {
                Files.delete(local);
            }
        } catch (IOException e) {
            // The socket is closed; a leftover file is replaced at the next open.
        }
    }

    /** @return the bound path */
    public Path local() {
        return local;
    }

    /** @return where frames are sent */
    public Path peer() {
        return peer;
    }

    @Override
    public String description() {
        return "unix datagram " + local + " -> " + peer;
    }
}
