package org.virtio.device.blk;

import java.io.IOException;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.device.blk.backend.RawFileBackend;

/**
 * Makes virtio-blk devices. Registered as a {@link VirtioDeviceFactory} service with
 * {@code virtio.device.type=blk}. Each device is configured by its own properties (described by
 * {@link BlkConfig}, factory PID {@value BlkConfig#PID}); the factory itself has no configuration.
 */
@Component(service = VirtioDeviceFactory.class,
        property = VirtioDeviceFactory.TYPE_PROPERTY + "=" + BlkDeviceFactory.TYPE_NAME)
public final class BlkDeviceFactory implements VirtioDeviceFactory {
    /** The value of {@value VirtioDeviceFactory#TYPE_PROPERTY} for this factory. */
    public static final String TYPE_NAME = "blk";

    /** DS constructor: the factory has no state. */
    public BlkDeviceFactory() {
    }

    @Override
    public String typeName() {
        return TYPE_NAME;
    }

    @Override
    public int deviceType() {
        return DeviceType.BLOCK;
    }

    /**
     * @param properties {@code path} (required), {@code readOnly}, {@code serial} (see {@link BlkConfig})
     * @return a new device with its image open; close it with {@link BlkDevice#close} when discarded
     * @throws IllegalArgumentException naming the key and the reason when a property is invalid or the
     *                                  image cannot be opened
     */
    @Override
    public VirtioDevice create(Map<String, ?> properties) {
        return create(BlkSettings.from(properties));
    }

    /**
     * @param config a device configuration
     * @return a new device with its image open
     * @throws IllegalArgumentException naming the key when the configuration is invalid
     */
    public BlkDevice create(BlkConfig config) {
        return create(BlkSettings.of(config));
    }

    private static BlkDevice create(BlkSettings s) {
        RawFileBackend backend;
        try {
            backend = RawFileBackend.open(s.path(), s.readOnly());
        } catch (IOException e) {
            throw new IllegalArgumentException(BlkSettings.PATH + ": cannot open " + s.path()
                    + (s.readOnly() ? " read-only: " : " for reading and writing: ") + e, e);
        }
        return new BlkDevice(backend, s.readOnly(), s.serialBytes());
    }
}
