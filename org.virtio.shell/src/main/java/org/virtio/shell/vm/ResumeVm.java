package org.virtio.shell.vm;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.virtio.vmm.api.VmInfo;

/** {@code vm:resume <vm>}: restarts the vCPUs of a paused VM where they stopped. */
@Command(scope = "vm", name = "resume", description = "Restarts the vCPUs of a paused VM where they stopped.")
@Service
public class ResumeVm extends NamedVmCommand {

    @Override
    void run() throws Exception {
        VmInfo vm = manager.resume(name);
        out.println(vm.name() + ": " + vm.state());
    }
}
