package org.virtio.kvm.api;

import java.lang.foreign.MemorySegment;

import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.GuestRam;

/**
 * A one-vCPU VM with 2 MiB of memfd guest RAM at 0, a test guest loaded at {@link #ENTRY} and the vCPU in
 * long mode at its first instruction. Closes the VM, the RAM and the KVM device, in that order.
 */
public final class TestVm implements AutoCloseable {
    public static final long RAM_SIZE = 2L << 20;
    public static final long ENTRY = 0x10000;
    public static final long STACK_TOP = 0x8000;
    /** Not backed by a memory slot: accesses exit as MMIO. */
    public static final long MMIO_ADDRESS = 0x1000_0000L;

    public final Kvm kvm;
    public final GuestRam ram;
    public final KvmVm vm;
    public final KvmVcpu vcpu;

    private TestVm(Kvm kvm, GuestRam ram, KvmVm vm, KvmVcpu vcpu) {
        this.kvm = kvm;
        this.ram = ram;
        this.vm = vm;
        this.vcpu = vcpu;
    }

    /** @param guest a test guest name  @return the VM, not yet running */
    public static TestVm withGuest(String guest) throws KvmException, GuestMemoryException {
        return withGuest(guest, false);
    }

    /**
     * @param guest    a test guest name
     * @param irqchip  whether to create the in-kernel irqchip (HLT then waits in the kernel)
     * @return the VM, not yet running
     */
    public static TestVm withGuest(String guest, boolean irqchip) throws KvmException, GuestMemoryException {
        byte[] code = TestGuests.binary(guest);
        Kvm kvm = Kvm.open();
        GuestRam ram = null;
        KvmVm vm = null;
        try {
            ram = GuestRam.builder().memfd("test-guest-" + guest, GuestAddress.of(0), RAM_SIZE).build();
            vm = kvm.createVm();
            vm.mapMemory(ram);
            if (irqchip) {
                vm.createIrqchip();
            }
            KvmVcpu vcpu = vm.createVcpu(0);
            ram.write(ENTRY, MemorySegment.ofArray(code), 0, code.length);
            LongMode.enter(vcpu, ram, ENTRY, STACK_TOP);
            return new TestVm(kvm, ram, vm, vcpu);
        } catch (KvmException | GuestMemoryException | RuntimeException e) {
            if (vm != null) {
                vm.close();
            }
            if (ram != null) {
                ram.close();
            }
            kvm.close();
            throw e;
        }
    }

    @Override
    public void close() {
        vm.close();
        ram.close();
        kvm.close();
    }
}
