package org.virtio.shell.device;

import java.util.List;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.virtio.shell.completers.VmNameCompleter;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.VmInfo;

/** {@code device:list [vm]}: the devices of one VM, or of every VM, one row each. */
@Command(scope = "device", name = "list", description = "Lists the devices of a VM (or of all VMs): status, window, IRQ, implementation.")
@Service
public class ListDevices extends DeviceCommand {
    @Argument(index = 0, name = "vm", description = "Only this VM's devices.")
    @Completion(VmNameCompleter.class)
    String vm;

    @Override
    void run() throws Exception {
        List<DeviceInfo> devices = vm != null ? manager.devices(vm)
                : manager.list().stream().map(VmInfo::devices).flatMap(List::stream).toList();
        ShellTable table = new ShellTable().emptyTableText("no devices");
        table.column("VM");
        table.column("Name");
        table.column("Type");
        table.column("Status");
        table.column("Window");
        table.column("IRQ").alignRight();
        table.column("Implementation");
        table.column("Swaps").alignRight();
        table.column("Error");
        for (DeviceInfo d : devices) {
            table.addRow().addContent(d.vm(), d.name(), d.type(), d.status(),
                    d.windowBase() < 0 ? "-" : "0x" + Long.toHexString(d.windowBase()), d.irq() < 0 ? "-" : d.irq(),
                    d.implementation().isEmpty() ? "-" : d.implementation(), d.swaps(), d.error());
        }
        table.print(out);
    }
}
