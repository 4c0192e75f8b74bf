package org.virtio.shell.vm;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.VmInfo;

/** {@code vm:info <vm>}: one VM's configuration, state, exit counters, devices and configuration errors. */
@Command(scope = "vm", name = "info", description = "Shows a VM: configuration, state, exits, devices and errors.")
@Service
public class ShowVm extends NamedVmCommand {

    @Override
    void run() throws Exception {
        VmInfo vm = manager.info(name);
        ShellTable table = new ShellTable().noHeaders();
        table.column("Key");
        table.column("Value");
        table.addRow().addContent("Name", vm.name());
        table.addRow().addContent("State", vm.detail().isEmpty() ? vm.state() : vm.state() + " (" + vm.detail() + ")");
        table.addRow().addContent("Kernel", vm.kernel());
        table.addRow().addContent("Command line", vm.commandLine());
        table.addRow().addContent("Memory", vm.memoryMib() + " MiB");
        table.addRow().addContent("vCPUs", vm.vcpus());
        table.addRow().addContent("Autostart", vm.autostart());
        table.addRow().addContent("Hot-plug slots", vm.hotplugSlots());
        table.addRow().addContent("Exits", "pio " + vm.exits().pio() + ", mmio " + vm.exits().mmio() + ", unclaimed pio "
                + vm.exits().unclaimedPio() + ", unclaimed mmio " + vm.exits().unclaimedMmio() + ", runs " + vm.exits().runs());
        table.addRow().addContent("Source", vm.source());
        for (String error : vm.errors()) {
            table.addRow().addContent("Error", error);
        }
        for (DeviceInfo device : vm.devices()) {
            table.addRow().addContent("Device", device.name() + ": " + device.type() + ", " + device.status()
                    + (device.error().isEmpty() ? "" : " (" + device.error() + ")"));
        }
        table.print(out);
    }
}
