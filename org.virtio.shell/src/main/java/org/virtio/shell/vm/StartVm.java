package org.virtio.shell.vm;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.virtio.vmm.api.VmInfo;

/** {@code vm:start <vm>}: builds the VM's machine and starts its vCPUs. */
@Command(scope = "vm", name = "start", description = "Builds the VM's machine and starts its vCPUs.")
@Service
public class StartVm extends NamedVmCommand {

    @Override
    void run() throws Exception {
        VmInfo vm = manager.start(name);
        out.println(vm.name() + ": " + vm.state());
    }
}
