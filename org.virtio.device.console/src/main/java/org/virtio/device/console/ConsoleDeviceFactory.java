package org.virtio.device.console;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;

/**
 * Makes virtio-console devices. Registered as a {@link VirtioDeviceFactory} service with
 * {@code virtio.device.type=console}; its {@link ConsoleConfig} (PID {@value ConsoleConfig#PID}, optional)
 * gives the defaults that per-device properties override.
 */
@Component(service = VirtioDeviceFactory.class, configurationPid = ConsoleConfig.PID,
        property = VirtioDeviceFactory.TYPE_PROPERTY + "=" + ConsoleDeviceFactory.TYPE_NAME)
@Designate(ocd = ConsoleConfig.class)
public final class ConsoleDeviceFactory implements VirtioDeviceFactory {
    /** The value of {@value VirtioDeviceFactory#TYPE_PROPERTY} for this factory. */
    public static final String TYPE_NAME = "console";

    private final ConsoleSettings defaults;

    /**
     * @param config the factory configuration (annotation defaults when there is none)
     * @throws IllegalArgumentException naming the key when the configuration is invalid
     */
    @Activate
    public ConsoleDeviceFactory(ConsoleConfig config) {
        this(ConsoleSettings.of(config));
    }

    /** @param defaults settings for devices whose properties leave keys out */
    ConsoleDeviceFactory(ConsoleSettings defaults) {
        this.defaults = defaults;
    }

    @Override
    public String typeName() {
        return TYPE_NAME;
    }

    @Override
    public int deviceType() {
        return DeviceType.CONSOLE;
    }

    /**
     * @param properties {@code output}, {@code input} and {@code inputBufferBytes} (see {@link ConsoleConfig});
     *                   others ignored
     * @return a new device, its backend not yet open
     * @throws IllegalArgumentException naming the key and the reason when a property is invalid
     */
    @Override
    public VirtioDevice create(Map<String, ?> properties) {
        ConsoleSettings settings = ConsoleSettings.from(properties, defaults);
        return new ConsoleDevice(settings.newBackend(), settings.inputBufferBytes());
    }
}
