/**
 * The PC legacy devices an x86-64 machine needs besides VirtIO, and the buses that route the guest's
 * port I/O and MMIO exits to them.
 *
 * <p>{@link org.virtio.kvm.devices.PortIoBus} and {@link org.virtio.kvm.devices.MmioBus} implement the
 * {@link org.virtio.kvm.api.PortIoHandler} and {@link org.virtio.kvm.api.MmioHandler} a
 * {@link org.virtio.kvm.api.KvmVm} is started with, and dispatch each access to the device registered
 * for its (non-overlapping) range; unclaimed reads return all ones and unclaimed writes are dropped and
 * counted, as on PC hardware. The devices:
 * <ul>
 * <li>{@link org.virtio.kvm.devices.Serial16550}, a 16550A UART (COM1 at 0x3f8, IRQ 4) whose output
 * goes to an {@link java.io.OutputStream} and whose input the host queues;</li>
 * <li>{@link org.virtio.kvm.devices.I8042}, the keyboard controller, minimal: its probe answers and
 * its CPU reset command (0xFE on port 0x64), which calls back the VMM;</li>
 * <li>{@link org.virtio.kvm.devices.Cmos}, the CMOS RAM and MC146818 real-time clock at 0x70/0x71,
 * reading the time from a {@link java.time.Clock}.</li>
 * </ul>
 * Devices raise interrupts through an {@link org.virtio.kvm.devices.InterruptLine}; see there how a
 * level maps to an edge-triggered KVM irqfd.
 *
 * <p>Every device is safe to call from several vCPU threads and from the host at once, and never throws
 * on guest input: a guest value a register does not accept is ignored, not repaired.
 */
@Version("0.1.0")
package org.virtio.kvm.devices;

import org.osgi.annotation.versioning.Version;
