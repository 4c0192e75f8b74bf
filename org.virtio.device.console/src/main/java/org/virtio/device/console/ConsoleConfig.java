package org.virtio.device.console;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Configuration of the virtio-console device factory (Config Admin PID {@value #PID}). The values are the
 * defaults for every device the factory creates; the properties passed to
 * {@link ConsoleDeviceFactory#create} override them per device, under the same keys.
 */
@ObjectClassDefinition(id = ConsoleConfig.PID, name = "VirtIO console device",
        description = "Defaults for virtio-console devices (VirtIO 1.3 §5.3), port 0 only.")
public @interface ConsoleConfig {
    /**
     * The factory's own configuration PID. Not {@code org.virtio.device.<type>}: that is the factory PID of
     * per-device configurations (the VM manager's), and DS would make one factory per such configuration.
     */
    String PID = "org.virtio.device.console.defaults";

    /** @return "stdout" or the absolute path of a file the guest's output is appended to */
    @AttributeDefinition(name = "Output",
            description = "\"stdout\" (the VMM process's standard output) or an absolute file path (appended to).")
    String output() default ConsoleSettings.STDOUT;

    /** @return "stdin" to feed the VMM process's standard input to the guest, or "none" */
    @AttributeDefinition(name = "Input", description = "\"stdin\" (needs output \"stdout\") or \"none\".",
            options = {@Option(label = "standard input", value = ConsoleSettings.STDIN),
                    @Option(label = "none", value = ConsoleSettings.NONE)})
    String input() default ConsoleSettings.NONE;

    /** @return the most input bytes kept while the guest has no receive buffer posted */
    @AttributeDefinition(name = "Input buffer bytes", min = "1", max = "16777216",
            description = "Input kept while the guest posts no receive buffer; beyond it the oldest input is dropped.")
    int inputBufferBytes() default ConsoleSettings.DEFAULT_INPUT_BUFFER;
}
