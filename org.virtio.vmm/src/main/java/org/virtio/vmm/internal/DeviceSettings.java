package org.virtio.vmm.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.virtio.vmm.api.VmManager;

/**
 * A device configuration (factory PID {@value VmManager#DEVICE_FACTORY_PID_PREFIX}{@code <type>}) after
 * validation of the keys the manager owns; the rest goes to the device factory, which validates it.
 *
 * @param pid        the configuration's PID
 * @param vm         the VM it belongs to
 * @param name       the device's name in the VM
 * @param type       the device type name
 * @param properties the device's own keys (without vm, name and framework keys)
 * @param source     the file or PID it came from
 */
record DeviceSettings(String pid, String vm, String name, String type, Map<String, Object> properties, String source) {

    static final Pattern TYPE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

    /** The outcome: settings when valid, else errors each naming file (or PID), key and reason. */
    record Parsed(String pid, String name, String vm, String source, DeviceSettings settings, List<String> errors) {
        boolean valid() {
            return settings != null;
        }
    }

    /**
     * @param props      the configuration's properties
     * @param pid        its PID
     * @param factoryPid its factory PID, {@code org.virtio.device.<type>}
     * @return the settings or the errors
     */
    static Parsed parse(Map<String, ?> props, String pid, String factoryPid) {
        String source = ConfigNames.source(props, pid);
        ConfigErrors errors = new ConfigErrors(source);
        String type = factoryPid != null && factoryPid.startsWith(VmManager.DEVICE_FACTORY_PID_PREFIX)
                ? factoryPid.substring(VmManager.DEVICE_FACTORY_PID_PREFIX.length()) : "";
        if (!TYPE.matcher(type).matches()) {
            errors.add("service.factoryPid", "device type \"" + type + "\" is invalid: use 1-32 lower-case letters, digits, '_' or '-'");
        }
        String name = ConfigNames.nameOf(props, pid, factoryPid, VmManager.DEVICE_NAME);
        if (!ConfigNames.NAME.matcher(name).matches()) {
            errors.add(VmManager.DEVICE_NAME, "device name \"" + name + "\" is invalid: use 1-64 letters, digits, '.', '_' or '-'");
        }
        String vm = errors.stringValue(props.get(VmManager.DEVICE_VM), VmManager.DEVICE_VM);
        if (vm == null || vm.isBlank()) {
            if (props.get(VmManager.DEVICE_VM) == null || vm != null) {
                errors.add(VmManager.DEVICE_VM, "is required: the name of the VM the device belongs to");
            }
            vm = null;
        } else {
            vm = vm.trim();
            if (!ConfigNames.NAME.matcher(vm).matches()) {
                errors.add(VmManager.DEVICE_VM, "VM name \"" + vm + "\" is invalid: use 1-64 letters, digits, '.', '_' or '-'");
            }
        }
        Map<String, Object> own = new LinkedHashMap<>();
        props.forEach((k, v) -> {
            if (!k.equals(VmManager.DEVICE_VM) && !k.equals(VmManager.DEVICE_NAME) && !ConfigNames.isFrameworkKey(k)) {
                own.put(k, v);
            }
        });
        if (!errors.isEmpty()) {
            return new Parsed(pid, name, vm, source, null, errors.list());
        }
        return new Parsed(pid, name, vm, source, new DeviceSettings(pid, vm, name, type, Map.copyOf(own), source), List.of());
    }
}
