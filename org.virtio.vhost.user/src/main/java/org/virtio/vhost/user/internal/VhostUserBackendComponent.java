package org.virtio.vhost.user.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.vhost.user.api.VhostUserBackend;
import org.virtio.vhost.user.api.VhostUserBackends;

/**
 * Serves the device of one {@link BackendConfig} configuration: while a {@link VirtioDeviceFactory}
 * service with the configured {@code virtio.device.type} is registered, a backend listens on the socket
 * and makes each connection's device with that factory; when the factory goes away the backend stops,
 * and it starts again when a matching factory comes (a bundle update).
 */
@Designate(ocd = BackendConfig.class, factory = true)
@Component(configurationPid = BackendConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class VhostUserBackendComponent {
    private static final Logger LOG = System.getLogger(VhostUserBackendComponent.class.getName());

    private final Path socket;
    private final String type;
    private final Map<String, Object> deviceProperties;
    /** Matching factories in arrival order; the first one serves. */
    private final java.util.List<VirtioDeviceFactory> factories = new java.util.ArrayList<>();
    private VirtioDeviceFactory factory;
    private VhostUserBackend backend;
    private boolean active;

    /**
     * @param config     socket and device type
     * @param properties the whole configuration; the keys other than socket and device.type go to the factory
     */
    @Activate
    public VhostUserBackendComponent(BackendConfig config, Map<String, Object> properties) {
        if (config.socket() == null || config.socket().isBlank()) {
            throw new IllegalArgumentException("socket: required");
        }
        if (config.device_type() == null || config.device_type().isBlank()) {
            throw new IllegalArgumentException("device.type: required");
        }
        this.socket = Path.of(config.socket().strip());
        this.type = config.device_type().strip();
        this.deviceProperties = deviceProperties(properties);
    }

    static Map<String, Object> deviceProperties(Map<String, Object> properties) {
        Map<String, Object> out = new HashMap<>();
        properties.forEach((k, v) -> {
            if (!k.equals("socket") && !k.equals("device.type") && !k.startsWith("component.") && !k.startsWith("service.")
                    && !k.startsWith("felix.") && !k.endsWith(".target")) {
                out.put(k, v);
            }
        });
        return Map.copyOf(out);
    }

    /** Starts serving once constructed and every factory seen so far is bound. */
    @Activate
    synchronized void start() {
        active = true;
        restart();
    }

    /** @param f a device factory service  @param props its service properties */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void addFactory(VirtioDeviceFactory f, Map<String, Object> props) {
        if (type.equals(props.get(VirtioDeviceFactory.TYPE_PROPERTY))) {
            factories.add(f);
            if (factory == null) {
                factory = f;
                restart();
            }
        }
    }

    /** @param f a device factory service going away */
    synchronized void removeFactory(VirtioDeviceFactory f) {
        factories.remove(f);
        if (f == factory) {
            factory = factories.isEmpty() ? null : factories.get(0);
            restart();
        }
    }

    private void restart() {
        if (backend != null) {
            backend.close();
            backend = null;
        }
        if (!active || factory == null) {
            return;
        }
        VirtioDeviceFactory f = factory;
        try {
            backend = VhostUserBackends.start(socket, () -> f.create(deviceProperties), type);
            LOG.log(Level.INFO, "vhost-user backend {0} listening on {1}", type, socket);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "vhost-user backend {0}: cannot listen on {1}: {2}", type, socket, e.getMessage());
        }
    }

    /** Stops the backend: the connected frontend loses its device. */
    @Deactivate
    synchronized void stop() {
        active = false;
        restart();
    }

    /** @return the running backend, or null (tests) */
    synchronized VhostUserBackend backend() {
        return backend;
    }
}
