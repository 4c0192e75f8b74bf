package org.virtio.kvm.boot;

import org.virtio.core.memory.GuestMemory;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.kvm.api.KvmException;
import org.virtio.kvm.api.KvmVcpu;
import org.virtio.kvm.api.Registers;
import org.virtio.kvm.api.SpecialRegisters;

/**
 * The vCPU state the PVH boot ABI promises at the entry point (Xen's docs/misc/pvh.pandoc): 32-bit
 * protected mode, paging off; CS a flat 32-bit read/execute segment; DS, ES, FS, GS and SS flat 32-bit
 * read/write segments; TR a 32-bit TSS; CR0 with only PE (and the hard-wired ET) set; CR4 and EFER
 * clear; eflags with IF and VM clear; ebx = the hvm_start_info address. The GDT behind those selectors
 * is written at {@link #GDT_ADDRESS}, as Cloud Hypervisor does, though a guest must load its own before
 * reloading a segment register.
 */
public final class PvhEntry {
    /** The boot GDT: null, code ({@link #CODE_SELECTOR}), data ({@link #DATA_SELECTOR}), TSS ({@link #TSS_SELECTOR}). */
    public static final long GDT_ADDRESS = 0x500;
    /** Flat 32-bit code. */
    public static final int CODE_SELECTOR = 0x08;
    /** Flat 32-bit data. */
    public static final int DATA_SELECTOR = 0x10;
    /** The 32-bit TSS (base 0, limit 0x67). */
    public static final int TSS_SELECTOR = 0x18;

    static final long CODE_32 = 0x00cf_9b00_0000_ffffL; // P, DPL0, S, exec/read accessed, D, G
    static final long DATA_32 = 0x00cf_9300_0000_ffffL; // P, DPL0, S, read/write accessed, D, G
    static final long TSS_32 = 0x0000_8b00_0000_0067L; // P, busy 32-bit TSS, base 0, limit 0x67
    private static final int GDT_ENTRIES = 4;
    private static final int TSS_LIMIT = 0x67;
    private static final long CR0_PE = 1;
    private static final long CR0_ET = 1 << 4;

    private PvhEntry() {
    }

    /**
     * @param memory guest RAM covering {@link #GDT_ADDRESS}
     * @throws GuestMemoryException when it does not
     */
    public static void writeGdt(GuestMemory memory) throws GuestMemoryException {
        memory.writeLong(GDT_ADDRESS, 0);
        memory.writeLong(GDT_ADDRESS + CODE_SELECTOR, CODE_32);
        memory.writeLong(GDT_ADDRESS + DATA_SELECTOR, DATA_32);
        memory.writeLong(GDT_ADDRESS + TSS_SELECTOR, TSS_32);
    }

    /**
     * @param current the vCPU's special registers as KVM reports them
     * @return them switched to the PVH entry state (IDT and APIC base kept)
     */
    public static SpecialRegisters specialRegisters(SpecialRegisters current) {
        SpecialRegisters.Segment code = new SpecialRegisters.Segment(0, 0xffff_ffff, CODE_SELECTOR, 0xb, true, 0, true,
                true, false, true, false, false);
        SpecialRegisters.Segment data = new SpecialRegisters.Segment(0, 0xffff_ffff, DATA_SELECTOR, 0x3, true, 0, true,
                true, false, true, false, false);
        SpecialRegisters.Segment tss = new SpecialRegisters.Segment(0, TSS_LIMIT, TSS_SELECTOR, 0xb, true, 0, false,
                false, false, false, false, false);
        return new SpecialRegisters(code, data, data, data, data, data, tss, current.ldt(),
                new SpecialRegisters.Table(GDT_ADDRESS, GDT_ENTRIES * 8 - 1), current.idt(), CR0_PE | CR0_ET, 0, 0, 0,
                current.cr8(), 0, current.apicBase());
    }

    /**
     * @param boot what {@link PvhLoader#load} returned
     * @return eip at the PVH entry, ebx at hvm_start_info, eflags with only the reserved bit
     */
    public static Registers registers(PvhLoader.Boot boot) {
        return new Registers(0, boot.startInfoAddress(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, boot.entry(),
                Registers.RFLAGS_RESERVED);
    }

    /**
     * Writes the GDT and puts the vCPU at the PVH entry.
     *
     * @param vcpu   a vCPU of a VM that is not running
     * @param memory guest RAM mapped into that VM
     * @param boot   what {@link PvhLoader#load} returned
     * @throws KvmException         when KVM refuses the registers
     * @throws GuestMemoryException when guest RAM does not cover the GDT
     */
    public static void enter(KvmVcpu vcpu, GuestMemory memory, PvhLoader.Boot boot) throws KvmException, GuestMemoryException {
        writeGdt(memory);
        vcpu.setSpecialRegisters(specialRegisters(vcpu.specialRegisters()));
        vcpu.setRegisters(registers(boot));
    }
}
