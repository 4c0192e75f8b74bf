package org.virtio.demo;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the entropy demo (Config Admin PID {@value #PID}, optional: the defaults run as is). */
@ObjectClassDefinition(id = DemoConfig.PID, name = "VirtIO entropy demo",
        description = "How much entropy the demo asks the virtio-rng device for, and in what buffers.")
public @interface DemoConfig {
    /** The configuration PID. */
    String PID = "org.virtio.demo";

    /** @return total entropy bytes to request */
    @AttributeDefinition(name = "Bytes to request", min = "1", max = "1048576",
            description = "Total entropy to request; split over buffers of bufferSize bytes.")
    int bytesToRequest() default 256;

    /** @return bytes per device-writable buffer */
    @AttributeDefinition(name = "Buffer size", min = "1", max = "65536",
            description = "Size of each device-writable buffer the driver posts.")
    int bufferSize() default 64;
}
