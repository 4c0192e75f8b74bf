package org.virtio.shell.vm;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.virtio.vmm.api.VmInfo;

/** {@code vm:stop <vm>}: stops the VM's vCPUs and releases its machine; its configuration and devices stay. */
@Command(scope = "vm", name = "stop", description = "Stops the VM's vCPUs and releases its machine; its configuration and devices stay.")
@Service
public class StopVm extends NamedVmCommand {

    @Override
    void run() throws Exception {
        VmInfo vm = manager.stop(name);
        out.println(vm.name() + ": " + vm.state());
    }
}
