package org.virtio.vhost.user.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One vhost-user backend served from the OSGi runtime (factory PID {@value #PID}): the socket to listen
 * on and the device type to serve. Every other property of the configuration is handed to the matching
 * {@code VirtioDeviceFactory}'s {@code create} (e.g. {@code path} and {@code readOnly} for blk).
 */
@ObjectClassDefinition(id = BackendConfig.PID, name = "vhost-user backend",
        description = "Serves one VirtIO device over vhost-user (QEMU docs/interop/vhost-user.rst) on a unix socket.")
public @interface BackendConfig {
    /** The factory configuration PID. */
    String PID = "org.virtio.vhost.user.backend";

    /** @return the socket file to create (mode 0600) */
    @AttributeDefinition(name = "Socket", description = "Path of the unix socket the frontend (QEMU) connects to.")
    String socket();

    /** @return the virtio.device.type of the VirtioDeviceFactory service to serve, e.g. blk (property {@code device.type}) */
    @AttributeDefinition(name = "Device type",
            description = "virtio.device.type of the device factory service to serve, e.g. blk, rng.")
    String device_type();
}
