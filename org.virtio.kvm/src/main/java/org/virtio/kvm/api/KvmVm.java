package org.virtio.kvm.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.memory.MemoryRegion;

/**
 * A KVM virtual machine. Configure it (memory, irqchip, eventfds, vCPUs), then {@link #start} it.
 * {@link #close()} stops it and releases every descriptor and mapping it created; it does not close the
 * guest memory, which the caller owns and must keep mapped until the VM is closed.
 */
@ProviderType
public interface KvmVm extends AutoCloseable {

    /** The address space an ioeventfd listens on. */
    enum IoSpace {
        /** Port I/O (OUT instructions). */
        PIO,
        /** Memory-mapped I/O (writes to guest-physical addresses no memory slot maps). */
        MMIO
    }

    /**
     * Maps every region of guest memory into the VM, each as a new memory slot
     * (KVM_SET_USER_MEMORY_REGION). memfd-backed and anonymous regions both work; read-only regions
     * become read-only slots, so guest writes to them arrive as MMIO writes.
     *
     * @param memory guest RAM; its regions must be page-aligned native memory
     * @return the slots, in region order
     * @throws KvmException when a region is not page-aligned native memory or KVM refuses it
     */
    List<MemorySlot> mapMemory(GuestMemory memory) throws KvmException;

    /**
     * Maps one region into the next free memory slot.
     *
     * @param region a page-aligned region of native memory
     * @return the slot
     * @throws KvmException when the region is not page-aligned native memory or KVM refuses it
     */
    MemorySlot mapRegion(MemoryRegion region) throws KvmException;

    /** @return the slots mapped so far, in slot order */
    List<MemorySlot> memorySlots();

    /**
     * Creates the in-kernel interrupt controllers (PIC, IOAPIC and a local APIC per vCPU,
     * KVM_CREATE_IRQCHIP). Call before creating vCPUs. With it, HLT waits in the kernel for an interrupt
     * instead of ending the vCPU's run loop.
     *
     * @throws KvmException when KVM refuses or vCPUs exist already
     */
    void createIrqchip() throws KvmException;

    /**
     * Creates the in-kernel i8254 PIT (KVM_CREATE_PIT2); needs {@link #createIrqchip()} first.
     *
     * @throws KvmException when KVM refuses or there is no irqchip
     */
    void createPit() throws KvmException;

    /**
     * Replaces the VM's whole GSI routing table (KVM_SET_GSI_ROUTING). KVM_CREATE_IRQCHIP installs
     * {@link GsiRoute#defaultRouting()}; to add a route and keep the legacy ones, pass that list extended.
     * Irqfds already bound to a GSI follow the new table.
     *
     * @param routes the entries: at most {@link GsiRoute#MAX_ROUTES}; per GSI either one {@link GsiRoute.Irqchip}
     *               per controller, or a single {@link GsiRoute.Msi}
     * @throws KvmException {@link KvmError#INVALID_ARGUMENT} naming the offending entry (a GSI routed twice
     *                      to one controller, an MSI GSI with another entry, too many entries),
     *                      {@link KvmError#INVALID_STATE} without {@link #createIrqchip()}, or when KVM refuses
     */
    void setGsiRouting(List<GsiRoute> routes) throws KvmException;

    /**
     * @return the routing table last set with {@link #setGsiRouting(List)}; {@link GsiRoute#defaultRouting()}
     *         once the irqchip exists and no table was set; empty without an irqchip
     */
    List<GsiRoute> gsiRouting();

    /**
     * Registers an ioeventfd (KVM_IOEVENTFD): a guest write of {@code length} bytes to {@code address}
     * signals the returned eventfd in the kernel, with no exit to the VMM.
     *
     * @param space   port or memory-mapped I/O
     * @param address the port or guest-physical address
     * @param length  1, 2, 4 or 8 bytes; 0 matches a write of any length (MMIO only)
     * @return the eventfd; closing it unregisters it
     * @throws KvmException when the arguments are invalid or KVM refuses
     */
    EventFd ioEventFd(IoSpace space, long address, int length) throws KvmException;

    /**
     * As {@link #ioEventFd(IoSpace, long, int)}, but only a write of exactly {@code datamatch} signals.
     *
     * @param space     port or memory-mapped I/O
     * @param address   the port or guest-physical address
     * @param length    1, 2, 4 or 8 bytes
     * @param datamatch the value that must be written
     * @return the eventfd; closing it unregisters it
     * @throws KvmException when the arguments are invalid or KVM refuses
     */
    EventFd ioEventFd(IoSpace space, long address, int length, long datamatch) throws KvmException;

    /**
     * Registers an irqfd (KVM_IRQFD): signalling the returned eventfd raises interrupt line {@code gsi}
     * in the in-kernel irqchip (edge-triggered). Needs {@link #createIrqchip()} first.
     *
     * @param gsi the global system interrupt (with the default routing, 0-15 reach the PIC and IOAPIC,
     *            16-23 the IOAPIC; {@link #setGsiRouting(List)} routes others)
     * @return the eventfd; closing it unregisters it
     * @throws KvmException when there is no irqchip or KVM refuses
     */
    EventFd irqFd(int gsi) throws KvmException;

    /**
     * Creates a vCPU (KVM_CREATE_VCPU), maps its kvm_run area and gives it the CPUID KVM supports on this
     * host (KVM_GET_SUPPORTED_CPUID, with the vCPU's APIC ID).
     *
     * @param id the vCPU (and APIC) id, below {@link Kvm#maxVcpus()}
     * @return the vCPU
     * @throws KvmException when KVM refuses, or the VM is running
     */
    KvmVcpu createVcpu(int id) throws KvmException;

    /** @return the vCPUs created so far, in creation order */
    List<KvmVcpu> vcpus();

    /**
     * Runs every vCPU, each on its own platform thread, until the VM stops: all vCPUs halted (without
     * an irqchip), a SHUTDOWN, a failure, or {@link VmRun#stop()}. May be called again once a run ended;
     * the vCPUs continue from where they stopped.
     *
     * @param pio  handles port I/O exits
     * @param mmio handles MMIO exits
     * @return the running VM
     * @throws KvmException when there is no vCPU, the VM is running already or is closed
     */
    VmRun start(PortIoHandler pio, MmioHandler mmio) throws KvmException;

    /**
     * Stops the VM if it runs (bounded wait), then closes every eventfd, unmaps every kvm_run area and
     * closes every vCPU and the VM descriptor. A second call does nothing.
     */
    @Override
    void close();
}
