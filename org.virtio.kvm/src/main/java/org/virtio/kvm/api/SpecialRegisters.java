package org.virtio.kvm.api;

/**
 * The x86-64 segment, descriptor-table and control registers (struct kvm_sregs, without the
 * pending-interrupt bitmap).
 *
 * @param cs       code segment
 * @param ds       data segment
 * @param es       extra segment
 * @param fs       fs
 * @param gs       gs
 * @param ss       stack segment
 * @param tr       task register
 * @param ldt      local descriptor table register
 * @param gdt      global descriptor table register
 * @param idt      interrupt descriptor table register
 * @param cr0      control register 0
 * @param cr2      control register 2 (page-fault address)
 * @param cr3      control register 3 (page-table root)
 * @param cr4      control register 4
 * @param cr8      control register 8 (task priority)
 * @param efer     the EFER MSR
 * @param apicBase the APIC base MSR
 */
public record SpecialRegisters(Segment cs, Segment ds, Segment es, Segment fs, Segment gs, Segment ss,
        Segment tr, Segment ldt, Table gdt, Table idt, long cr0, long cr2, long cr3, long cr4, long cr8,
        long efer, long apicBase) {

    /**
     * A segment register with its hidden descriptor cache (struct kvm_segment).
     *
     * @param base     base address
     * @param limit    limit in bytes (already scaled by the granularity)
     * @param selector selector
     * @param type     the 4-bit descriptor type
     * @param present  P
     * @param dpl      descriptor privilege level, 0..3
     * @param db       D/B: default operand size 32 (must be clear for 64-bit code)
     * @param s        S: code or data (set), system (clear)
     * @param l        L: 64-bit code
     * @param g        G: granularity
     * @param avl      AVL
     * @param unusable whether the segment is unusable (null)
     */
    public record Segment(long base, int limit, int selector, int type, boolean present, int dpl, boolean db,
            boolean s, boolean l, boolean g, boolean avl, boolean unusable) {
    }

    /**
     * A descriptor-table register (struct kvm_dtable).
     *
     * @param base  guest linear address of the table
     * @param limit size in bytes minus one
     */
    public record Table(long base, int limit) {
    }
}
