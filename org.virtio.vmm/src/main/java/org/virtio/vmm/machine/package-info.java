/**
 * The x86-64 KVM machine: {@link org.virtio.vmm.machine.Machine} assembles guest RAM, the in-kernel
 * irqchip and PIT, a 16550, an i8042, a CMOS/RTC, ACPI tables, a PVH or bzImage kernel and one
 * virtio-mmio window (VirtIO 1.3 §4.2) per device plus spare windows for hot-plug; it starts, pauses,
 * resumes and stops the vCPUs, attaches and detaches devices while the guest runs, and swaps the
 * implementation serving a device under the running guest. Used by the VM manager and by the
 * stand-alone launcher ({@code bin/virtio-vmm}).
 */
@Version("0.1.0")
package org.virtio.vmm.machine;

import org.osgi.annotation.versioning.Version;
