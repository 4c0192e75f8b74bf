package org.virtio.shell.vm;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.virtio.vmm.api.VmInfo;

/** {@code vm:list}: every VM the manager knows, valid or not, one row each. */
@Command(scope = "vm", name = "list", description = "Lists the VMs: state, memory, vCPUs, devices and where each is defined.")
@Service
public class ListVms extends VmCommand {

    @Override
    void run() {
        ShellTable table = new ShellTable().emptyTableText("no VMs: define one in etc/org.virtio.vm-<name>.cfg or with vm:create");
        table.column("Name");
        table.column("State");
        table.column("Memory MiB").alignRight();
        table.column("vCPUs").alignRight();
        table.column("Devices").alignRight();
        table.column("Detail");
        for (VmInfo vm : manager.list()) {
            String detail = vm.errors().isEmpty() ? vm.detail() : vm.errors().getFirst();
            table.addRow().addContent(vm.name(), vm.state(), vm.memoryMib(), vm.vcpus(), vm.devices().size(), detail);
        }
        table.print(out);
    }
}
