package org.virtio.shell.device;

import java.util.List;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.virtio.shell.completers.DeviceTypeCompleter;
import org.virtio.shell.completers.VmNameCompleter;
import org.virtio.shell.support.KeyValues;
import org.virtio.shell.support.Names;
import org.virtio.shell.support.Usage;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.VmManager;

/**
 * {@code device:add <vm> <type> <name> [key=value...]}: adds a device through the manager, which writes the
 * factory configuration {@code org.virtio.device.<type>} an {@code etc/} file would; it is hot-plugged when
 * the VM runs. Arguments are checked first; a device the manager rejects (invalid settings, factory refused,
 * no spare window) is removed again, so a failed add leaves nothing behind.
 */
@Command(scope = "device", name = "add", description = "Adds a device to a VM (hot-plugged when the VM runs).")
@Service
public class AddDevice extends DeviceCommand {
    @Argument(index = 0, name = "vm", description = "The VM's name.", required = true)
    @Completion(VmNameCompleter.class)
    String vm;

    @Argument(index = 1, name = "type", description = "The device type: blk, console, rng, ...", required = true)
    @Completion(DeviceTypeCompleter.class)
    String type;

    @Argument(index = 2, name = "name", description = "The device's name within the VM.", required = true)
    String name;

    @Argument(index = 3, name = "key=value", description = "The device's settings, e.g. path=/srv/disk.img for blk.",
            multiValued = true)
    List<String> settings;

    @Override
    void run() throws Exception {
        for (String[] checked : new String[][] {{"VM", vm}, {"device type", type}, {"device", name}}) {
            if (!Names.valid(checked[1])) {
                throw Usage.wrong(getClass(), "invalid " + checked[0] + " name \"" + checked[1]
                        + "\": use 1-64 letters, digits, '.', '_', '-'");
            }
        }
        KeyValues.Result parsed = KeyValues.parse(settings, List.of(VmManager.DEVICE_VM, VmManager.DEVICE_NAME));
        if (parsed.problem().isPresent()) {
            throw Usage.wrong(getClass(), parsed.problem().get());
        }
        DeviceInfo added = manager.addDevice(vm, name, type, parsed.values());
        switch (added.status()) {
            case INVALID, FAILED -> {
                manager.removeDevice(vm, name);
                throw Usage.failed(type + " device " + name + " not added to " + vm + ": " + added.error());
            }
            case WAITING -> out.println(vm + "/" + name + ": WAITING for a " + type
                    + " device factory (install its feature, e.g. feature:install virtio-device-" + type + ")");
            default -> out.println(vm + "/" + name + ": " + added.status() + " (" + added.source() + ")");
        }
    }
}
