/**
 * The virtio-mmio transport on KVM: {@link org.virtio.transport.mmio.kvm.KvmMmioBinding} puts a
 * {@link org.virtio.transport.mmio.api.VirtioMmioDevice} at its window in a
 * {@link org.virtio.kvm.api.KvmVm} (register accesses as MMIO exits, QueueNotify through ioeventfds,
 * the interrupt line through an irqfd); {@link org.virtio.kvm.devices.MmioBus} dispatches a VM's
 * MMIO exits to the windows.
 */
@Version("0.1.0")
package org.virtio.transport.mmio.kvm;

import org.osgi.annotation.versioning.Version;
