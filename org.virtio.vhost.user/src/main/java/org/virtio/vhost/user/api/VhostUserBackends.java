package org.virtio.vhost.user.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

import org.virtio.core.device.VirtioDevice;
import org.virtio.vhost.user.internal.BackendServer;

/** Starts vhost-user backends. */
public final class VhostUserBackends {
    private VhostUserBackends() {
    }

    /**
     * Creates the socket (mode 0600; an existing socket file at the path is replaced, any other file is
     * refused) and starts serving on a thread of its own.
     *
     * @param socket  where to listen
     * @param devices makes the device for each connection (a device that is {@link AutoCloseable} is closed
     *                when its connection ends); may throw IllegalArgumentException, which drops that connection
     * @param name    a short name for log lines and thread names, e.g. {@code blk0}
     * @return the running backend
     * @throws IOException when the socket cannot be created
     */
    public static VhostUserBackend start(Path socket, Supplier<? extends VirtioDevice> devices, String name)
            throws IOException {
        return BackendServer.start(Objects.requireNonNull(socket), Objects.requireNonNull(devices),
                Objects.requireNonNull(name));
    }
}
