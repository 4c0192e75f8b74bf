package org.virtio.kvm.internal;

import static org.virtio.kvm.internal.KvmStructs.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.virtio.kvm.api.Registers;
import org.virtio.kvm.api.SpecialRegisters;

/** Converts struct kvm_regs and struct kvm_sregs to and from their API records. */
final class RegisterCodec {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;

    private RegisterCodec() {
    }

    static Registers registers(MemorySegment regs) {
        long[] r = new long[18];
        for (int i = 0; i < r.length; i++) {
            r[i] = regs.getAtIndex(U64, i);
        }
        return new Registers(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
                r[13], r[14], r[15], r[16], r[17]);
    }

    static void writeRegisters(Registers r, MemorySegment regs) {
        long[] v = {r.rax(), r.rbx(), r.rcx(), r.rdx(), r.rsi(), r.rdi(), r.rsp(), r.rbp(), r.r8(), r.r9(), r.r10(),
            r.r11(), r.r12(), r.r13(), r.r14(), r.r15(), r.rip(), r.rflags()};
        for (int i = 0; i < v.length; i++) {
            regs.setAtIndex(U64, i, v[i]);
        }
    }

    static SpecialRegisters specialRegisters(MemorySegment s) {
        return new SpecialRegisters(segment(s, SREGS_CS), segment(s, SREGS_DS), segment(s, SREGS_ES),
                segment(s, SREGS_FS), segment(s, SREGS_GS), segment(s, SREGS_SS), segment(s, SREGS_TR),
                segment(s, SREGS_LDT), table(s, SREGS_GDT), table(s, SREGS_IDT), s.get(U64, SREGS_CR0),
                s.get(U64, SREGS_CR2), s.get(U64, SREGS_CR3), s.get(U64, SREGS_CR4), s.get(U64, SREGS_CR8),
                s.get(U64, SREGS_EFER), s.get(U64, SREGS_APIC_BASE));
    }

    /** Writes every field but the interrupt bitmap, which stays as the segment holds it. */
    static void writeSpecialRegisters(SpecialRegisters r, MemorySegment s) {
        writeSegment(r.cs(), s, SREGS_CS);
        writeSegment(r.ds(), s, SREGS_DS);
        writeSegment(r.es(), s, SREGS_ES);
        writeSegment(r.fs(), s, SREGS_FS);
        writeSegment(r.gs(), s, SREGS_GS);
        writeSegment(r.ss(), s, SREGS_SS);
        writeSegment(r.tr(), s, SREGS_TR);
        writeSegment(r.ldt(), s, SREGS_LDT);
        writeTable(r.gdt(), s, SREGS_GDT);
        writeTable(r.idt(), s, SREGS_IDT);
        s.set(U64, SREGS_CR0, r.cr0());
        s.set(U64, SREGS_CR2, r.cr2());
        s.set(U64, SREGS_CR3, r.cr3());
        s.set(U64, SREGS_CR4, r.cr4());
        s.set(U64, SREGS_CR8, r.cr8());
        s.set(U64, SREGS_EFER, r.efer());
        s.set(U64, SREGS_APIC_BASE, r.apicBase());
    }

    private static SpecialRegisters.Segment segment(MemorySegment s, long at) {
        return new SpecialRegisters.Segment(s.get(U64, at + SEGMENT_BASE), s.get(U32, at + SEGMENT_LIMIT),
                s.get(U16, at + SEGMENT_SELECTOR) & 0xffff, s.get(U8, at + SEGMENT_TYPE) & 0xff,
                flag(s, at + SEGMENT_PRESENT), s.get(U8, at + SEGMENT_DPL) & 0xff, flag(s, at + SEGMENT_DB),
                flag(s, at + SEGMENT_S), flag(s, at + SEGMENT_L), flag(s, at + SEGMENT_G), flag(s, at + SEGMENT_AVL),
                flag(s, at + SEGMENT_UNUSABLE));
    }

    private static boolean flag(MemorySegment s, long at) {
        return s.get(U8, at) != 0;
    }

    private static void writeSegment(SpecialRegisters.Segment g, MemorySegment s, long at) {
        s.set(U64, at + SEGMENT_BASE, g.base());
        s.set(U32, at + SEGMENT_LIMIT, g.limit());
        s.set(U16, at + SEGMENT_SELECTOR, (short) g.selector());
        s.set(U8, at + SEGMENT_TYPE, (byte) g.type());
        s.set(U8, at + SEGMENT_PRESENT, bit(g.present()));
        s.set(U8, at + SEGMENT_DPL, (byte) g.dpl());
        s.set(U8, at + SEGMENT_DB, bit(g.db()));
        s.set(U8, at + SEGMENT_S, bit(g.s()));
        s.set(U8, at + SEGMENT_L, bit(g.l()));
        s.set(U8, at + SEGMENT_G, bit(g.g()));
        s.set(U8, at + SEGMENT_AVL, bit(g.avl()));
        s.set(U8, at + SEGMENT_UNUSABLE, bit(g.unusable()));
    }

    private static byte bit(boolean b) {
        return (byte) (b ? 1 : 0);
    }

    private static SpecialRegisters.Table table(MemorySegment s, long at) {
        return new SpecialRegisters.Table(s.get(U64, at + DTABLE_BASE), s.get(U16, at + DTABLE_LIMIT) & 0xffff);
    }

    private static void writeTable(SpecialRegisters.Table t, MemorySegment s, long at) {
        s.set(U64, at + DTABLE_BASE, t.base());
        s.set(U16, at + DTABLE_LIMIT, (short) t.limit());
    }

    /** @return "rip=0x… rsp=0x… cr0=0x… cr3=0x… cr4=0x… efer=0x… cs=0x8 (base 0x0 L=1 D=0 DPL 0)" */
    static String describe(Registers r, SpecialRegisters s) {
        SpecialRegisters.Segment cs = s.cs();
        return "rip=0x" + Long.toHexString(r.rip()) + " rsp=0x" + Long.toHexString(r.rsp())
                + " rflags=0x" + Long.toHexString(r.rflags())
                + " cr0=0x" + Long.toHexString(s.cr0()) + " cr3=0x" + Long.toHexString(s.cr3())
                + " cr4=0x" + Long.toHexString(s.cr4()) + " efer=0x" + Long.toHexString(s.efer())
                + " cs=0x" + Integer.toHexString(cs.selector()) + " (base 0x" + Long.toHexString(cs.base())
                + " L=" + (cs.l() ? 1 : 0) + " D=" + (cs.db() ? 1 : 0) + " DPL " + cs.dpl() + ")";
    }
}
