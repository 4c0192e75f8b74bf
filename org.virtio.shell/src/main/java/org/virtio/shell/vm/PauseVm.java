package org.virtio.shell.vm;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.virtio.vmm.api.VmInfo;

/** {@code vm:pause <vm>}: halts the VM's vCPUs, keeping guest and device state. */
@Command(scope = "vm", name = "pause", description = "Halts the VM's vCPUs, keeping guest and device state.")
@Service
public class PauseVm extends NamedVmCommand {

    @Override
    void run() throws Exception {
        VmInfo vm = manager.pause(name);
        out.println(vm.name() + ": " + vm.state());
    }
}
