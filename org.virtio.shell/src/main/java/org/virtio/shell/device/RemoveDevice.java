package org.virtio.shell.device;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code device:remove <vm> <device>}: detaches the device from the running VM and deletes its configuration. */
@Command(scope = "device", name = "remove", description = "Detaches a device and deletes its configuration.")
@Service
public class RemoveDevice extends NamedDeviceCommand {

    @Override
    void run() throws Exception {
        manager.device(vm, device);
        manager.removeDevice(vm, device);
        out.println(vm + "/" + device + ": removed");
    }
}
