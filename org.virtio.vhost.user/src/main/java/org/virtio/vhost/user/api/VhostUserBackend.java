package org.virtio.vhost.user.api;

import java.nio.file.Path;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A running vhost-user backend (QEMU docs/interop/vhost-user.rst): a unix socket on which it serves one
 * frontend at a time, each with a fresh device from its supplier, until {@link #close}. A frontend that
 * disconnects, or sends something malformed, loses its connection; the backend then serves the next
 * one (e.g. the same QEMU reconnecting with {@code -chardev socket,reconnect=N}). The device's
 * virtqueues are the core's split virtqueues (VirtIO 1.3 §2.7) over the frontend's shared guest memory.
 */
@ProviderType
public interface VhostUserBackend extends AutoCloseable {

    /** @return the socket file the backend listens on (mode 0600) */
    Path socketPath();

    /** @return how many frontend connections were accepted so far, the current one included */
    int connectionsAccepted();

    /** @return whether the backend is still accepting connections */
    boolean isRunning();

    /**
     * Stops the backend: the current connection is dropped (its device stopped and closed), the socket
     * file removed. Waits until that is done; a second call does nothing.
     */
    @Override
    void close();
}
