package org.virtio.device.input;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;

/**
 * Makes virtio-input keyboards. Registered as a {@link VirtioDeviceFactory} service with
 * {@code virtio.device.type=input}; its {@link InputConfig} (PID {@value InputConfig#PID}, optional) gives the
 * defaults that per-device properties override. Each device is an {@link InputDevice}, which implements
 * {@link org.virtio.device.input.api.KeyboardInput} for host-side key injection; close it when discarded
 * (it stops its key-command source).
 */
@Component(service = VirtioDeviceFactory.class, configurationPid = InputConfig.PID,
        property = VirtioDeviceFactory.TYPE_PROPERTY + "=" + InputDeviceFactory.TYPE_NAME)
@Designate(ocd = InputConfig.class)
public final class InputDeviceFactory implements VirtioDeviceFactory {
    /** The value of {@value VirtioDeviceFactory#TYPE_PROPERTY} for this factory. */
    public static final String TYPE_NAME = "input";

    private final InputSettings defaults;

    /**
     * @param config the factory configuration (annotation defaults when there is none)
     * @throws IllegalArgumentException naming the key when the configuration is invalid
     */
    @Activate
    public InputDeviceFactory(InputConfig config) {
        this(InputSettings.of(config));
    }

    /** @param defaults settings for devices whose properties leave keys out */
    InputDeviceFactory(InputSettings defaults) {
        this.defaults = defaults;
    }

    @Override
    public String typeName() {
        return TYPE_NAME;
    }

    @Override
    public int deviceType() {
        return DeviceType.INPUT;
    }

    /**
     * @param properties {@code deviceName}, {@code serial}, {@code events}, {@code queueEvents} (see
     *                   {@link InputConfig}); others ignored
     * @return a new {@link InputDevice}; its command source starts at the first DRIVER_OK
     * @throws IllegalArgumentException naming the key and the reason when a property is invalid
     */
    @Override
    public VirtioDevice create(Map<String, ?> properties) {
        InputSettings s = InputSettings.from(properties, defaults);
        return new InputDevice(s.nameBytes(), s.serialBytes(), s.queueEvents(), s.newSource());
    }
}
