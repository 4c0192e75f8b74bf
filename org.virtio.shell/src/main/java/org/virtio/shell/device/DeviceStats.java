package org.virtio.shell.device;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.QueueInfo;

/** {@code device:stats <vm> <device>}: the device's status, implementation, swaps and per-queue counters. */
@Command(scope = "device", name = "stats", description = "Shows a device's implementation, swaps and per-queue counters.")
@Service
public class DeviceStats extends NamedDeviceCommand {

    @Override
    void run() throws Exception {
        DeviceInfo d = manager.device(vm, device);
        out.println(d.vm() + "/" + d.name() + ": " + d.type() + " (VirtIO device id " + d.deviceId() + "), " + d.status()
                + (d.error().isEmpty() ? "" : ": " + d.error()));
        out.println("implementation: " + (d.implementation().isEmpty() ? "-" : d.implementation() + " "
                + d.implementationClass()) + ", swaps: " + d.swaps());
        out.println("driver status: 0x" + Integer.toHexString(d.driverStatus()) + ", source: " + d.source());
        ShellTable table = new ShellTable().emptyTableText("no queues (not attached)");
        table.column("Queue").alignRight();
        table.column("Size").alignRight();
        table.column("Ready");
        table.column("Notifications").alignRight();
        table.column("Interrupts").alignRight();
        for (QueueInfo q : d.queues()) {
            table.addRow().addContent(q.index(), q.size(), q.ready(), q.notifications(), q.interrupts());
        }
        table.print(out);
    }
}
