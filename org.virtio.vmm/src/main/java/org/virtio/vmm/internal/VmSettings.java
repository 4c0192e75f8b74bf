package org.virtio.vmm.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.virtio.vmm.api.VmManager;
import org.virtio.vmm.machine.Machine;

/**
 * A VM configuration (factory PID {@value VmManager#VM_FACTORY_PID}) after validation.
 *
 * @param name         the VM's name
 * @param source       the file or PID it came from
 * @param kernel       kernel image
 * @param commandLine  kernel command line
 * @param memoryMib    guest RAM
 * @param vcpus        vCPU count
 * @param autostart    start when valid
 * @param initrd       initrd, or null
 * @param hotplugSlots spare windows
 */
record VmSettings(String name, String source, Path kernel, String commandLine, int memoryMib, int vcpus,
        boolean autostart, Path initrd, int hotplugSlots) {

    static final int DEFAULT_MEMORY_MIB = 64;
    static final int DEFAULT_VCPUS = 1;
    static final int DEFAULT_HOTPLUG_SLOTS = 2;
    /** KVM's own ceiling is lower on most hosts; the host's limit is checked when the machine is built. */
    static final int MAX_VCPUS = 255;
    static final int MAX_COMMAND_LINE = 2048;

    private static final Set<String> KEYS = Set.of(VmManager.KERNEL, VmManager.CMDLINE, VmManager.MEMORY,
            VmManager.VCPUS, VmManager.AUTOSTART, VmManager.INITRD, VmManager.HOTPLUG_SLOTS, VmManager.NAME);

    /** The outcome of parsing: the name and source always, settings when valid, errors otherwise. */
    record Parsed(String name, String source, VmSettings settings, List<String> errors) {
        boolean valid() {
            return settings != null;
        }
    }

    /**
     * Validates every key. Unknown keys are errors (a misspelt key would otherwise be silently ignored);
     * Config Admin's, DS's and FileInstall's own keys are skipped.
     *
     * @param props the configuration's properties
     * @param pid   its PID
     * @return the settings or the errors, each naming the file (or PID), the key and the reason
     */
    static Parsed parse(Map<String, ?> props, String pid) {
        String source = ConfigNames.source(props, pid);
        ConfigErrors errors = new ConfigErrors(source);
        String name = ConfigNames.nameOf(props, pid, VmManager.VM_FACTORY_PID, VmManager.NAME);
        if (!ConfigNames.NAME.matcher(name).matches()) {
            errors.add(VmManager.NAME, "VM name \"" + name + "\" is invalid: use 1-64 letters, digits, '.', '_' or '-'");
        }
        for (String key : props.keySet()) {
            if (!KEYS.contains(key) && !ConfigNames.isFrameworkKey(key)) {
                errors.add(key, "unknown key (known: kernel, cmdline, memory, vcpus, autostart, initrd, hotplug.slots, name)");
            }
        }
        Path kernel = file(errors, props.get(VmManager.KERNEL), VmManager.KERNEL, true);
        Path initrd = file(errors, props.get(VmManager.INITRD), VmManager.INITRD, false);
        String cmdline = errors.stringValue(props.get(VmManager.CMDLINE), VmManager.CMDLINE);
        if (cmdline == null) {
            cmdline = "";
        } else if (cmdline.length() > MAX_COMMAND_LINE) {
            errors.add(VmManager.CMDLINE, "is " + cmdline.length() + " characters long, at most " + MAX_COMMAND_LINE);
        } else if (cmdline.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            errors.add(VmManager.CMDLINE, "must be printable ASCII on one line");
        }
        int memory = errors.intValue(props.get(VmManager.MEMORY), VmManager.MEMORY, DEFAULT_MEMORY_MIB, 1,
                Machine.MAX_MEMORY_MIB);
        int vcpus = errors.intValue(props.get(VmManager.VCPUS), VmManager.VCPUS, DEFAULT_VCPUS, 1, MAX_VCPUS);
        boolean autostart = errors.booleanValue(props.get(VmManager.AUTOSTART), VmManager.AUTOSTART, false);
        int slots = errors.intValue(props.get(VmManager.HOTPLUG_SLOTS), VmManager.HOTPLUG_SLOTS, DEFAULT_HOTPLUG_SLOTS,
                0, Machine.MAX_WINDOWS);
        if (!errors.isEmpty()) {
            return new Parsed(name, source, null, errors.list());
        }
        return new Parsed(name, source, new VmSettings(name, source, kernel, cmdline.trim(), memory, vcpus, autostart,
                initrd, slots), List.of());
    }

    /** @return the path of a readable regular file, or null (absent when optional, or an error recorded) */
    private static Path file(ConfigErrors errors, Object value, String key, boolean required) {
        String s = errors.stringValue(value, key);
        if (s == null || s.isBlank()) {
            if (required && (value == null || value instanceof String)) {
                errors.add(key, "is required: the path of " + (key.equals(VmManager.KERNEL)
                        ? "the kernel image (ELF with a PVH note, or bzImage)" : "the file"));
            }
            return null;
        }
        Path p;
        try {
            p = Path.of(s.trim());
        } catch (java.nio.file.InvalidPathException e) {
            errors.add(key, "invalid path \"" + s + "\": " + e.getMessage());
            return null;
        }
        if (!p.isAbsolute()) {
            errors.add(key, "must be an absolute path, got \"" + s + "\"");
        } else if (!Files.exists(p)) {
            errors.add(key, "file not found: " + p);
        } else if (!Files.isRegularFile(p)) {
            errors.add(key, "not a regular file: " + p);
        } else if (!Files.isReadable(p)) {
            errors.add(key, "not readable (permission denied): " + p);
        }
        return p;
    }
}
