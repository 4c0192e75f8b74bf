package org.virtio.vhost.user.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.virtio.core.device.VirtioDevice;
import org.virtio.vhost.user.api.VhostUserBackend;
import org.virtio.vhost.user.internal.sys.SysException;
import org.virtio.vhost.user.internal.sys.UnixConnection;
import org.virtio.vhost.user.internal.sys.UnixListener;

/**
 * The accept loop: one platform thread that accepts a frontend, serves it in a {@link Session} with a
 * fresh device, and goes back to accepting, until closed. One frontend at a time (a vhost-user device has
 * one frontend); a second connection waits in the listen backlog.
 */
public final class BackendServer implements VhostUserBackend {
    private static final Logger LOG = System.getLogger(BackendServer.class.getName());

    private final UnixListener listener;
    private final Supplier<? extends VirtioDevice> devices;
    private final String name;
    private final Thread thread;
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean running = true;
    private volatile UnixConnection current;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private BackendServer(UnixListener listener, Supplier<? extends VirtioDevice> devices, String name) {
        this.listener = listener;
        this.devices = devices;
        this.name = name;
        this.thread = Thread.ofPlatform().name("vhost-user-" + name).unstarted(this::serve);
    }

    /**
     * @param socket  the socket path
     * @param devices device per connection
     * @param name    for logs
     * @return the started server
     * @throws IOException when the socket cannot be created
     */
    public static BackendServer start(Path socket, Supplier<? extends VirtioDevice> devices, String name)
            throws IOException {
        BackendServer s = new BackendServer(UnixListener.bind(socket), devices, name);
        s.thread.start();
        return s;
    }

    private void serve() {
        try {
            while (running) {
                UnixConnection c = listener.accept();
                if (c == null) {
                    return;
                }
                int n = accepted.incrementAndGet();
                current = c;
                if (!running) {
                    c.close();
                    return;
                }
                serveOne(c, name + "#" + n);
            }
        } catch (SysException e) {
            LOG.log(Level.ERROR, "{0}: accept failed, backend stops: {1}", name, e.getMessage());
        } finally {
            running = false;
        }
    }

    private void serveOne(UnixConnection c, String session) {
        VirtioDevice device = null;
        try {
            device = devices.get();
            LOG.log(Level.INFO, "{0}: frontend connected, serving {1}", session, device);
            new Session(session, c, device).run();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, session + ": session failed", e);
        } finally {
            current = null;
            c.close();
            if (device instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "{0}: closing the device failed: {1}", session, e.toString());
                }
            }
        }
    }

    @Override
    public Path socketPath() {
        return listener.path();
    }

    @Override
    public int connectionsAccepted() {
        return accepted.get();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        listener.close();
        UnixConnection c = current;
        if (c != null) {
            c.shutdown();
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        listener.release();
    }
}
