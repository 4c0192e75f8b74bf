package org.virtio.device.rng;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the virtio-rng device factory (Config Admin PID {@value #PID}). The values are the
 * defaults for every device the factory creates; the properties passed to
 * {@link RngDeviceFactory#create} override them per device, under the same keys.
 */
@ObjectClassDefinition(id = RngConfig.PID, name = "VirtIO entropy device",
        description = "Defaults for virtio-rng devices (VirtIO 1.3 §5.4).")
public @interface RngConfig {
    /**
     * The factory's own configuration PID. Not {@code org.virtio.device.<type>}: that is the factory PID of
     * per-device configurations (the VM manager's), and DS would make one factory per such configuration.
     */
    String PID = "org.virtio.device.rng.defaults";

    /** @return "securerandom" for java.security.SecureRandom, or the absolute path of a file to read */
    @AttributeDefinition(name = "Entropy source",
            description = "\"securerandom\" (java.security.SecureRandom) or an absolute file path such as /dev/urandom.")
    String source() default RngSettings.SECURE_RANDOM;

    /** @return the most bytes written into one request */
    @AttributeDefinition(name = "Maximum bytes per request", min = "1", max = "1048576",
            description = "Upper bound on the entropy written into one request; larger buffers are filled partly.")
    int maxBytesPerRequest() default RngSettings.DEFAULT_MAX_BYTES;
}
