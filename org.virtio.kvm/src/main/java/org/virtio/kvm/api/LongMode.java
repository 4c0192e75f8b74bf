package org.virtio.kvm.api;

import org.virtio.core.memory.GuestMemory;
import org.virtio.core.memory.GuestMemoryException;

/**
 * Puts a vCPU straight into x86-64 long mode at CPL0, the way Firecracker's x86_64 regs.rs does: a GDT
 * with a flat 64-bit code segment, a flat data segment and a 64-bit TSS; identity-mapped page tables
 * with 2 MiB pages for the first GiB; CR0.PE|PG, CR4.PAE, EFER.LME|LMA and CS.L. The tables live at
 * fixed guest-physical addresses in low memory (below {@link #TABLES_END}), so guest RAM must start at
 * 0 and cover them; guest code should stay clear of them.
 */
public final class LongMode {
    /** The GDT: null, code ({@link #CODE_SELECTOR}), data ({@link #DATA_SELECTOR}), TSS ({@link #TSS_SELECTOR}, 16 bytes). */
    public static final long GDT_ADDRESS = 0x500;
    /** The 104-byte 64-bit TSS (no I/O permission bitmap). */
    public static final long TSS_ADDRESS = 0x580;
    /** The PML4 table; its first entry points at the PDPT. */
    public static final long PML4_ADDRESS = 0x9000;
    /** The page-directory-pointer table; its first entry points at the page directory. */
    public static final long PDPT_ADDRESS = 0xa000;
    /** The page directory: 512 entries of 2 MiB pages, identity-mapping 0 to 1 GiB. */
    public static final long PD_ADDRESS = 0xb000;
    /** The first byte after the tables. */
    public static final long TABLES_END = 0xc000;
    /** How much guest-physical memory the page tables identity-map. */
    public static final long IDENTITY_MAPPED = 1L << 30;

    /** Selector of the flat 64-bit code segment. */
    public static final int CODE_SELECTOR = 0x08;
    /** Selector of the flat data segment. */
    public static final int DATA_SELECTOR = 0x10;
    /** Selector of the TSS. */
    public static final int TSS_SELECTOR = 0x18;

    private static final long GDT_BYTES = 5 * 8;
    private static final int TSS_LIMIT = 0x67;
    /** TSS offset of the I/O map base; pointing it past the limit means "no I/O bitmap". */
    private static final long TSS_IOMAP_BASE = 0x66;
    private static final long CODE_64 = 0x00af_9b00_0000_ffffL; // P, DPL0, S, exec/read accessed, L, G
    private static final long DATA = 0x00cf_9300_0000_ffffL; // P, DPL0, S, read/write accessed, D/B, G
    private static final int SEGMENT_TYPE_CODE = 0xb;
    private static final int SEGMENT_TYPE_DATA = 0x3;
    private static final int SEGMENT_TYPE_TSS_BUSY = 0xb;
    private static final int SEGMENT_TYPE_TSS_AVAILABLE = 0x9;

    private static final long PAGE_PRESENT = 1;
    private static final long PAGE_WRITABLE = 1 << 1;
    private static final long PAGE_SIZE_2M = 1 << 7;
    private static final long TWO_MIB = 1L << 21;

    /** CR0 protection enable. */
    public static final long CR0_PE = 1L;
    /** CR0 extension type (always one on modern CPUs). */
    public static final long CR0_ET = 1L << 4;
    /** CR0 not-write-through. */
    public static final long CR0_NW = 1L << 29;
    /** CR0 cache disable. */
    public static final long CR0_CD = 1L << 30;
    /** CR0 paging. */
    public static final long CR0_PG = 1L << 31;
    /** CR4 physical address extension. */
    public static final long CR4_PAE = 1L << 5;
    /** EFER long mode enable. */
    public static final long EFER_LME = 1L << 8;
    /** EFER long mode active. */
    public static final long EFER_LMA = 1L << 10;

    private LongMode() {
    }

    /**
     * Writes the GDT, TSS and page tables into guest memory.
     *
     * @param memory guest RAM covering {@link #GDT_ADDRESS} to {@link #TABLES_END}
     * @throws GuestMemoryException when guest RAM does not cover the tables
     */
    public static void writeTables(GuestMemory memory) throws GuestMemoryException {
        for (long a = GDT_ADDRESS; a < TSS_ADDRESS + TSS_LIMIT + 1; a += 8) {
            memory.writeLong(a, 0);
        }
        memory.writeLong(GDT_ADDRESS + CODE_SELECTOR, CODE_64);
        memory.writeLong(GDT_ADDRESS + DATA_SELECTOR, DATA);
        memory.writeLong(GDT_ADDRESS + TSS_SELECTOR, systemDescriptorLow(TSS_ADDRESS, TSS_LIMIT, SEGMENT_TYPE_TSS_AVAILABLE));
        memory.writeLong(GDT_ADDRESS + TSS_SELECTOR + 8, TSS_ADDRESS >>> 32);
        memory.writeShort(TSS_ADDRESS + TSS_IOMAP_BASE, (short) (TSS_LIMIT + 1));

        for (long a = PML4_ADDRESS; a < TABLES_END; a += 8) {
            memory.writeLong(a, 0);
        }
        memory.writeLong(PML4_ADDRESS, PDPT_ADDRESS | PAGE_PRESENT | PAGE_WRITABLE);
        memory.writeLong(PDPT_ADDRESS, PD_ADDRESS | PAGE_PRESENT | PAGE_WRITABLE);
        for (long i = 0; i < IDENTITY_MAPPED / TWO_MIB; i++) {
            memory.writeLong(PD_ADDRESS + i * 8, i * TWO_MIB | PAGE_PRESENT | PAGE_WRITABLE | PAGE_SIZE_2M);
        }
    }

    private static long systemDescriptorLow(long base, int limit, int type) {
        return (limit & 0xffffL) | (base & 0xff_ffffL) << 16 | (long) (0x80 | type) << 40
                | (long) ((limit >>> 16) & 0xf) << 48 | ((base >>> 24) & 0xffL) << 56;
    }

    /**
     * @param current the vCPU's special registers as KVM reports them
     * @return the same registers switched to long mode with the segments and tables of {@link #writeTables}
     */
    public static SpecialRegisters specialRegisters(SpecialRegisters current) {
        SpecialRegisters.Segment code = new SpecialRegisters.Segment(0, 0xffff_ffff, CODE_SELECTOR, SEGMENT_TYPE_CODE,
                true, 0, false, true, true, true, false, false);
        SpecialRegisters.Segment data = new SpecialRegisters.Segment(0, 0xffff_ffff, DATA_SELECTOR, SEGMENT_TYPE_DATA,
                true, 0, true, true, false, true, false, false);
        SpecialRegisters.Segment tss = new SpecialRegisters.Segment(TSS_ADDRESS, TSS_LIMIT, TSS_SELECTOR,
                SEGMENT_TYPE_TSS_BUSY, true, 0, false, false, false, false, false, false);
        return new SpecialRegisters(code, data, data, data, data, data, tss, current.ldt(),
                new SpecialRegisters.Table(GDT_ADDRESS, (int) GDT_BYTES - 1), current.idt(),
                (current.cr0() & ~(CR0_CD | CR0_NW)) | CR0_PE | CR0_ET | CR0_PG, current.cr2(), PML4_ADDRESS,
                current.cr4() | CR4_PAE, current.cr8(), current.efer() | EFER_LME | EFER_LMA, current.apicBase());
    }

    /**
     * Writes the tables, switches the vCPU to long mode and points it at the entry.
     *
     * @param vcpu     a vCPU of a VM that is not running
     * @param memory   guest RAM mapped into that VM, covering the tables
     * @param entry    the guest address of the first instruction (identity-mapped, below 1 GiB)
     * @param stackTop the initial rsp
     * @throws KvmException         when KVM refuses the registers
     * @throws GuestMemoryException when guest RAM does not cover the tables
     */
    public static void enter(KvmVcpu vcpu, GuestMemory memory, long entry, long stackTop)
            throws KvmException, GuestMemoryException {
        writeTables(memory);
        vcpu.setSpecialRegisters(specialRegisters(vcpu.specialRegisters()));
        vcpu.setRegisters(Registers.atEntry(entry, stackTop));
    }
}
