package org.virtio.device.rng;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;

/**
 * Makes virtio-rng devices. Registered as a {@link VirtioDeviceFactory} service with
 * {@code virtio.device.type=rng}; its {@link RngConfig} (PID {@value RngConfig#PID}, optional) gives the
 * defaults that per-device properties override.
 */
@Component(service = VirtioDeviceFactory.class, configurationPid = RngConfig.PID,
        property = VirtioDeviceFactory.TYPE_PROPERTY + "=" + RngDeviceFactory.TYPE_NAME)
@Designate(ocd = RngConfig.class)
public final class RngDeviceFactory implements VirtioDeviceFactory {
    /** The value of {@value VirtioDeviceFactory#TYPE_PROPERTY} for this factory. */
    public static final String TYPE_NAME = "rng";

    private final RngSettings defaults;

    /**
     * @param config the factory configuration (annotation defaults when there is none)
     * @throws IllegalArgumentException naming the key when the configuration is invalid
     */
    @Activate
    public RngDeviceFactory(RngConfig config) {
        this(RngSettings.of(config));
    }

    /** @param defaults settings for devices whose properties leave keys out */
    RngDeviceFactory(RngSettings defaults) {
        this.defaults = defaults;
    }

    @Override
    public String typeName() {
        return TYPE_NAME;
    }

    @Override
    public int deviceType() {
        return DeviceType.ENTROPY;
    }

    /**
     * @param properties {@code source} and {@code maxBytesPerRequest} (see {@link RngConfig}); others ignored
     * @return a new device, its entropy source not yet open
     * @throws IllegalArgumentException naming the key and the reason when a property is invalid
     */
    @Override
    public VirtioDevice create(Map<String, ?> properties) {
        RngSettings settings = RngSettings.from(properties, defaults);
        return new RngDevice(settings.newSource(), settings.maxBytesPerRequest());
    }
}
