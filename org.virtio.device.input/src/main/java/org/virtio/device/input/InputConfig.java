package org.virtio.device.input;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the virtio-input device factory (Config Admin PID {@value #PID}). The values are the
 * defaults for every keyboard the factory creates; the properties passed to
 * {@link InputDeviceFactory#create} override them per device, under the same keys.
 */
@ObjectClassDefinition(id = InputConfig.PID, name = "VirtIO input device (keyboard)",
        description = "Defaults for virtio-input keyboards (VirtIO 1.3 §5.8).")
public @interface InputConfig {
    /**
     * The factory's own configuration PID. Not {@code org.virtio.device.<type>}: that is the factory PID of
     * per-device configurations (the VM manager's), and DS would make one factory per such configuration.
     */
    String PID = "org.virtio.device.input.defaults";

    /** @return the name the driver reads from ID_NAME */
    @AttributeDefinition(name = "Device name", description = "ID_NAME: 1 to 128 printable ASCII characters.")
    String deviceName() default InputSettings.DEFAULT_NAME;

    /** @return the serial the driver reads from ID_SERIAL; empty for none */
    @AttributeDefinition(name = "Serial", required = false,
            description = "ID_SERIAL: 0 to 128 printable ASCII characters; empty reports no serial.")
    String serial() default "";

    /** @return where key commands come from */
    @AttributeDefinition(name = "Key command source", required = false,
            description = "Empty or \"none\"; the absolute path of an existing FIFO or file of key command lines; "
                    + "or \"unix:\" + an absolute path where the device listens on a unix stream socket.")
    String events() default "";

    /** @return key actions kept while the driver posts no eventq buffer */
    @AttributeDefinition(name = "Queued key actions", min = "1", max = "65536",
            description = "Key presses/releases kept while the guest has no event buffer; beyond it new ones are dropped.")
    int queueEvents() default InputSettings.DEFAULT_QUEUE_EVENTS;
}
