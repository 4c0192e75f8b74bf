package org.virtio.device.input.backend;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Key commands from a unix stream socket the device listens on: one client at a time (the next waits in
 * the backlog), each line answered by one reply line ({@code ok}, {@code dropped}, {@code error: ...}), so a
 * harness knows when its keys were accepted. A stale socket file at the path is replaced; any other file
 * there is refused. The socket file is removed on {@link #close}, unless another instance has bound a new one
 * at the same path meanwhile.
 */
public final class SocketCommandSource implements KeyCommandSource {
    private static final Logger LOG = System.getLogger(SocketCommandSource.class.getName());
    /** S_IFMT and S_IFSOCK from {@code sys/stat.h}. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private ServerSocketChannel server;
    private SocketChannel client;
    private Thread thread;
    /** The bound socket file's identity, so close removes only our own file, not a successor's. */
    private Object fileKey;

    /** @param path where the socket is bound */
    public SocketCommandSource(Path path) {
        this.path = Objects.requireNonNull(path, "path");
    }

    @Override
    public synchronized void start(CommandHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        if (server != null) {
            throw new IllegalStateException(description() + " already started");
        }
        removeStaleSocket(path);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(path), 4);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        server = s;
        fileKey = fileKey(path);
        thread = Thread.ofPlatform().daemon().name("virtio-input-commands " + path).start(() -> run(s, handler));
    }

    /** Deletes a leftover socket file; refuses to touch anything else. */
    static void removeStaleSocket(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket");
        }
        Files.delete(path);
    }

    private void run(ServerSocketChannel s, CommandHandler handler) {
        try {
            while (true) {
                SocketChannel c = s.accept();
                synchronized (this) {
                    if (server == null) {
                        c.close();
                        return;
                    }
                    client = c;
                }
                serve(c, handler);
            }
        } catch (ClosedChannelException e) {
            // close() ended the accept: the normal way to stop.
        } catch (IOException e) {
            LOG.log(Level.WARNING, "{0} failed: {1}", description(), e.getMessage());
        }
    }

    /** Serves one client until it hangs up; its failures end only this connection. */
    private void serve(SocketChannel c, CommandHandler handler) {
        try (c) {
            LineReader lines = new LineReader(Channels.newInputStream(c));
            String line;
            while ((line = lines.readLine()) != null) {
                String reply = handler.handle(line);
                if (reply != null) {
                    ByteBuffer out = ByteBuffer.wrap((reply + "\n").getBytes(StandardCharsets.UTF_8));
                    while (out.hasRemaining()) {
                        c.write(out);
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "{0}: client connection ended: {1}", description(), e.getMessage());
        } finally {
            synchronized (this) {
                if (client == c) {
                    client = null;
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        ServerSocketChannel s = server;
        if (s == null) {
            return;
        }
        server = null;
        closeQuietly(s);
        if (client != null) {
            closeQuietly(client);
            client = null;
        }
        try {
            if (fileKey != null && fileKey.equals(fileKey(path))) {
                Files.delete(path);
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "{0}: cannot remove the socket file: {1}", description(), e.getMessage());
        }
    }

    /** @return the file's identity (device and inode), or null when it is gone */
    static Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private void closeQuietly(java.nio.channels.Channel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "{0}: close failed: {1}", description(), e.getMessage());
        }
    }

    /** @return the accept thread, for tests that wait for it to end */
    synchronized Thread thread() {
        return thread;
    }

    @Override
    public String description() {
        return "unix socket " + path;
    }
}
