package org.virtio.device.net;

import java.io.IOException;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.device.net.backend.NetBackend;
import org.virtio.device.net.backend.TapBackend;
import org.virtio.device.net.backend.UnixDatagramBackend;

/**
 * Makes virtio-net devices. Registered as a {@link VirtioDeviceFactory} service with
 * {@code virtio.device.type=net}. Each device is configured by its own properties (described by
 * {@link NetConfig}, factory PID {@value NetConfig#PID}); the factory itself has no configuration.
 */
@Component(service = VirtioDeviceFactory.class,
        property = VirtioDeviceFactory.TYPE_PROPERTY + "=" + NetDeviceFactory.TYPE_NAME)
public final class NetDeviceFactory implements VirtioDeviceFactory {
    /** The value of {@value VirtioDeviceFactory#TYPE_PROPERTY} for this factory. */
    public static final String TYPE_NAME = "net";

    /** DS constructor: the factory has no state. */
    public NetDeviceFactory() {
    }

    @Override
    public String typeName() {
        return TYPE_NAME;
    }

    @Override
    public int deviceType() {
        return DeviceType.NET;
    }

    /**
     * @param properties {@code tap}, or {@code socket} and {@code peer}; {@code mac}, {@code mtu},
     *                   {@code mergeRxBuffers}, {@code rxQueueFrames} (see {@link NetConfig})
     * @return a new {@link NetDevice} with its backend open; close it when discarded
     * @throws IllegalArgumentException naming the key and the reason when a property is invalid or the
     *                                  backend cannot be opened
     */
    @Override
    public VirtioDevice create(Map<String, ?> properties) {
        return create(NetSettings.from(properties));
    }

    /**
     * @param config a device configuration
     * @return a new device with its backend open
     * @throws IllegalArgumentException naming the key when the configuration is invalid
     */
    public NetDevice create(NetConfig config) {
        return create(NetSettings.of(config));
    }

    private static NetDevice create(NetSettings s) {
        NetBackend backend;
        try {
            backend = s.socket() != null ? UnixDatagramBackend.open(s.socket(), s.peer()) : TapBackend.open(s.tap());
        } catch (IOException e) {
            String key = s.socket() != null ? NetSettings.SOCKET : NetSettings.TAP;
            throw new IllegalArgumentException(key + ": cannot open " + (s.socket() != null ? s.socket() : "TAP " + s.tap())
                    + ": " + e.getMessage(), e);
        }
        return new NetDevice(backend, s.mac(), s.mtu(), s.mergeRxBuffers(), s.rxQueueFrames());
    }
}
