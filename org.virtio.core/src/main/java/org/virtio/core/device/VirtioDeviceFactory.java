package org.virtio.core.device;

import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A device type bundle's service: makes device instances from configuration. Registered with the service
 * property {@value #TYPE_PROPERTY} naming the type ("rng", "blk", ...).
 */
@ConsumerType
public interface VirtioDeviceFactory {
    /** Service property naming the device type. */
    String TYPE_PROPERTY = "virtio.device.type";

    /** @return the type name, the value of {@value #TYPE_PROPERTY} */
    String typeName();

    /** @return the VirtIO device id (§5) */
    int deviceType();

    /**
     * @param properties the device's configuration (Config Admin properties); unknown keys are ignored
     * @return a new device instance
     * @throws IllegalArgumentException naming the key and the reason when the configuration is invalid
     */
    VirtioDevice create(Map<String, ?> properties);
}
