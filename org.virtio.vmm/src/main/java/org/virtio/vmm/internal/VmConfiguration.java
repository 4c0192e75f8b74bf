package org.virtio.vmm.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.virtio.vmm.api.VmManager;

/**
 * The metatype of a VM configuration (factory PID {@value VmManager#VM_FACTORY_PID}), for tools that
 * show or edit configurations. The manager validates the raw properties itself ({@link VmSettings}), so
 * a wrong value is reported with its file and key instead of being coerced to a default.
 */
@ObjectClassDefinition(id = VmManager.VM_FACTORY_PID, name = "VirtIO virtual machine",
        description = "One KVM virtual machine: etc/org.virtio.vm-<name>.cfg")
@interface VmConfiguration {
    /** @return the kernel image path */
    @AttributeDefinition(name = "Kernel", description = "Absolute path of the kernel: an ELF with a PVH note, or a bzImage.")
    String kernel();

    /** @return the command line */
    @AttributeDefinition(name = "Command line", required = false, description = "Kernel command line; the virtio_mmio.device= entries are appended.")
    String cmdline() default "";

    /** @return guest RAM in MiB */
    @AttributeDefinition(name = "Memory (MiB)", min = "1", max = "3328")
    int memory() default VmSettings.DEFAULT_MEMORY_MIB;

    /** @return vCPUs */
    @AttributeDefinition(name = "vCPUs", min = "1")
    int vcpus() default VmSettings.DEFAULT_VCPUS;

    /** @return whether to start at once */
    @AttributeDefinition(name = "Start automatically")
    boolean autostart() default false;

    /** @return initrd path */
    @AttributeDefinition(name = "Initrd", required = false, description = "Absolute path of an initrd / initramfs.")
    String initrd() default "";

    /** @return spare windows */
    @AttributeDefinition(name = "Hot-plug slots", min = "0", max = "19",
            description = "Spare virtio-mmio windows for devices added while the VM runs.")
    int hotplug_slots() default VmSettings.DEFAULT_HOTPLUG_SLOTS;
}
