/**
 * KVM from Java: what a VMM needs to create a virtual machine on {@code /dev/kvm}, give it guest RAM,
 * create vCPUs and run them.
 *
 * <p>{@link org.virtio.kvm.api.Kvm#open()} opens the device and checks the API version;
 * {@link org.virtio.kvm.api.Kvm#createVm()} makes a {@link org.virtio.kvm.api.KvmVm}, which maps the
 * regions of an {@code org.virtio.core.memory.GuestMemory} as KVM memory slots, creates the in-kernel
 * irqchip and PIT, registers ioeventfds and irqfds ({@link org.virtio.kvm.api.EventFd}) and creates
 * {@link org.virtio.kvm.api.KvmVcpu}s. {@link org.virtio.kvm.api.KvmVm#start} runs every vCPU on its
 * own platform thread and hands port I/O and MMIO exits to a {@link org.virtio.kvm.api.PortIoHandler}
 * and an {@link org.virtio.kvm.api.MmioHandler}; the returned {@link org.virtio.kvm.api.VmRun} stops
 * the VM and reports why it stopped as a {@link org.virtio.kvm.api.VcpuStop}. A failing guest
 * (KVM_EXIT_FAIL_ENTRY, KVM_EXIT_INTERNAL_ERROR, a handler that throws) stops its VM with a message
 * naming the exit and the vCPU registers; it never takes the JVM down.
 * {@link org.virtio.kvm.api.LongMode} puts a vCPU straight into 64-bit mode.
 *
 * <p>Interrupt routing: {@link org.virtio.kvm.api.KvmVm#setGsiRouting} replaces the VM's GSI table with
 * {@link org.virtio.kvm.api.GsiRoute} entries (irqchip pins or MSI messages), usually
 * {@link org.virtio.kvm.api.GsiRoute#defaultRouting()} extended by the caller. Model-specific registers:
 * {@link org.virtio.kvm.api.Kvm#msrIndexList()}, {@link org.virtio.kvm.api.KvmVcpu#getMsrs} and
 * {@link org.virtio.kvm.api.KvmVcpu#setMsrs}, and the boot values in {@link org.virtio.kvm.api.BootMsrs}.
 *
 * <p>Everything is bound through the FFM API (no JNI); errors are {@link org.virtio.kvm.api.KvmException}s
 * carrying a {@link org.virtio.kvm.api.KvmError} and the errno.
 */
@Version("0.2.0")
package org.virtio.kvm.api;

import org.osgi.annotation.versioning.Version;
