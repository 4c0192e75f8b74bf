package org.virtio.shell.device;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Completion;
import org.virtio.shell.completers.DeviceNameCompleter;
import org.virtio.shell.completers.VmNameCompleter;

/** Base of the commands that act on one configured device: {@code <vm> <device>}, both completed. */
abstract class NamedDeviceCommand extends DeviceCommand {
    @Argument(index = 0, name = "vm", description = "The VM's name.", required = true)
    @Completion(VmNameCompleter.class)
    String vm;

    @Argument(index = 1, name = "device", description = "The device's name within the VM.", required = true)
    @Completion(DeviceNameCompleter.class)
    String device;
}
