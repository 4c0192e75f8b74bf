package org.virtio.shell.vm;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.virtio.shell.support.Names;
import org.virtio.shell.support.Usage;
import org.virtio.vmm.api.VmInfo;
import org.virtio.vmm.api.VmManager;
import org.virtio.vmm.api.VmState;

/**
 * {@code vm:create <name> --kernel <path> [--memory <MiB>] [--vcpus <n>] [--cmdline <text>]}: defines a VM
 * through the manager, which writes the same factory configuration ({@code org.virtio.vm}, named
 * {@code <name>}) as an {@code etc/org.virtio.vm-<name>.cfg} file would. Arguments are checked first; a
 * configuration the manager rejects is removed again, so a failed create leaves nothing behind.
 */
@Command(scope = "vm", name = "create", description = "Defines a VM (a factory configuration org.virtio.vm named <name>).")
@Service
public class CreateVm extends VmCommand {
    @Argument(index = 0, name = "name", description = "The new VM's name: 1-64 letters, digits, '.', '_', '-'.", required = true)
    String name;

    @Option(name = "--kernel", aliases = "-k", description = "Kernel image: an ELF with a PVH note or a bzImage.", required = true)
    @Completion(FileCompleter.class)
    String kernel;

    @Option(name = "--memory", aliases = "-m", description = "Guest RAM in MiB (default 64).")
    String memory;

    @Option(name = "--vcpus", aliases = "-c", description = "Number of vCPUs (default 1).")
    String vcpus;

    @Option(name = "--cmdline", description = "Kernel command line (the virtio_mmio.device= entries are added).")
    String cmdline;

    @Option(name = "--autostart", description = "Start the VM whenever its configuration is valid.")
    boolean autostart;

    @Override
    void run() throws Exception {
        Map<String, Object> properties = checkedProperties();
        VmInfo vm = manager.create(name, properties);
        if (vm.state() == VmState.INVALID) {
            manager.remove(name);
            throw Usage.failed("VM " + name + " not created: " + String.join("; ", vm.errors()));
        }
        out.println(vm.name() + ": " + vm.state() + " (" + vm.source() + ")");
    }

    private Map<String, Object> checkedProperties() throws Exception {
        if (!Names.valid(name)) {
            throw Usage.wrong(getClass(), "invalid VM name \"" + name + "\": use 1-64 letters, digits, '.', '_', '-'");
        }
        if (kernel == null || !isFile(kernel)) {
            throw Usage.wrong(getClass(), "--kernel " + kernel + ": no such file");
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(VmManager.KERNEL, Path.of(kernel).toAbsolutePath().toString());
        putPositive(properties, VmManager.MEMORY, "--memory", memory);
        putPositive(properties, VmManager.VCPUS, "--vcpus", vcpus);
        if (cmdline != null) {
            properties.put(VmManager.CMDLINE, cmdline);
        }
        properties.put(VmManager.AUTOSTART, autostart);
        return properties;
    }

    private void putPositive(Map<String, Object> properties, String key, String option, String value) throws Exception {
        if (value == null) {
            return;
        }
        try {
            int n = Integer.parseInt(value.strip());
            if (n > 0) {
                properties.put(key, n);
                return;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw Usage.wrong(getClass(), option + " " + value + ": not a positive whole number");
    }

    private static boolean isFile(String path) {
        try {
            return Files.isRegularFile(Path.of(path));
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
