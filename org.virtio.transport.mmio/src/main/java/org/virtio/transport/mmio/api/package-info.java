/**
 * The virtio-mmio transport, version 2 (VirtIO 1.3 §4.2.2): {@link org.virtio.transport.mmio.api.VirtioMmioDevice},
 * the register file of one device window over a core
 * {@link org.virtio.core.transport.VirtioDeviceHost}; {@link org.virtio.transport.mmio.api.MmioRegisters}, the
 * register offsets; {@link org.virtio.transport.mmio.api.InterruptTrigger}, how the window raises its
 * interrupt; {@link org.virtio.transport.mmio.api.MmioDeviceWindow}, where the window sits and how the guest
 * is told about it (kernel command line; the ACPI DSDT's LNRO0005 device is built elsewhere from the same
 * base, size and irq). Nothing here depends on KVM.
 */
@Version("0.1.0")
package org.virtio.transport.mmio.api;

import org.osgi.annotation.versioning.Version;
