package org.virtio.vmm.api;

import java.util.List;

/**
 * One VM as the manager sees it at the call.
 *
 * @param name         the VM's name (from {@code etc/org.virtio.vm-<name>.cfg}, or given to {@link VmManager#create})
 * @param state        where it is
 * @param detail       how the last run ended, or why it failed; empty when nothing to say
 * @param memoryMib    guest RAM in MiB (0 when the configuration is invalid)
 * @param vcpus        the number of vCPUs
 * @param kernel       the kernel image path
 * @param commandLine  the configured command line (without the virtio_mmio.device= entries the machine adds)
 * @param autostart    whether it starts as soon as its configuration is valid
 * @param hotplugSlots spare virtio-mmio windows kept for devices added while it runs
 * @param devices      its configured devices
 * @param exits        exit counters of the current (or last) machine
 * @param source       the configuration it came from: the file FileInstall read, else the PID
 * @param errors       why the configuration was rejected, one line each naming file, key and reason; empty when valid
 */
public record VmInfo(String name, VmState state, String detail, int memoryMib, int vcpus, String kernel,
        String commandLine, boolean autostart, int hotplugSlots, List<DeviceInfo> devices, ExitCounts exits,
        String source, List<String> errors) {

    /** Compact form: copies of the lists. */
    public VmInfo {
        devices = List.copyOf(devices);
        errors = List.copyOf(errors);
    }
}
