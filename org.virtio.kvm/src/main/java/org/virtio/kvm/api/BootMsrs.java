package org.virtio.kvm.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model-specific registers an x86-64 VMM sets on every vCPU before boot, with the values Firecracker
 * and Cloud Hypervisor use: the SYSENTER and SYSCALL MSRs and the TSC cleared, fast strings enabled in
 * IA32_MISC_ENABLE, and the MTRRs enabled with write-back as the default memory type (the guest has no
 * firmware that would program them).
 */
public final class BootMsrs {
    /** IA32_TIME_STAMP_COUNTER. */
    public static final int IA32_TSC = 0x10;
    /** IA32_SYSENTER_CS. */
    public static final int IA32_SYSENTER_CS = 0x174;
    /** IA32_SYSENTER_ESP. */
    public static final int IA32_SYSENTER_ESP = 0x175;
    /** IA32_SYSENTER_EIP. */
    public static final int IA32_SYSENTER_EIP = 0x176;
    /** IA32_MISC_ENABLE. */
    public static final int IA32_MISC_ENABLE = 0x1a0;
    /** IA32_MTRR_DEF_TYPE. */
    public static final int IA32_MTRR_DEF_TYPE = 0x2ff;
    /** IA32_STAR: SYSCALL/SYSRET segment selectors. */
    public static final int STAR = 0xc000_0081;
    /** IA32_LSTAR: the 64-bit SYSCALL entry point. */
    public static final int LSTAR = 0xc000_0082;
    /** IA32_CSTAR: the compatibility-mode SYSCALL entry point. */
    public static final int CSTAR = 0xc000_0083;
    /** IA32_FMASK: the RFLAGS bits SYSCALL clears. */
    public static final int SYSCALL_MASK = 0xc000_0084;
    /** IA32_KERNEL_GS_BASE: the GS base SWAPGS swaps in. */
    public static final int KERNEL_GS_BASE = 0xc000_0102;

    /** IA32_MISC_ENABLE bit 0: fast-string operations enabled. */
    public static final long MISC_ENABLE_FAST_STRING = 1L;
    /** IA32_MTRR_DEF_TYPE bit 11 (E): MTRRs enabled. */
    public static final long MTRR_ENABLE = 1L << 11;
    /** IA32_MTRR_DEF_TYPE bits 7-0: memory type write-back. */
    public static final long MTRR_TYPE_WRITE_BACK = 6;

    private static final Map<Integer, Long> VALUES;

    static {
        Map<Integer, Long> v = new LinkedHashMap<>();
        v.put(IA32_SYSENTER_CS, 0L);
        v.put(IA32_SYSENTER_ESP, 0L);
        v.put(IA32_SYSENTER_EIP, 0L);
        v.put(STAR, 0L);
        v.put(CSTAR, 0L);
        v.put(KERNEL_GS_BASE, 0L);
        v.put(SYSCALL_MASK, 0L);
        v.put(LSTAR, 0L);
        v.put(IA32_TSC, 0L);
        v.put(IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING);
        v.put(IA32_MTRR_DEF_TYPE, MTRR_ENABLE | MTRR_TYPE_WRITE_BACK);
        VALUES = Collections.unmodifiableMap(v);
    }

    private BootMsrs() {
    }

    /** @return MSR index → boot value, in the order they are set; unmodifiable */
    public static Map<Integer, Long> values() {
        return VALUES;
    }

    /**
     * Sets {@link #values()} on a vCPU (KVM_SET_MSRS).
     *
     * @param vcpu a vCPU whose VM is not running
     * @throws KvmException {@link KvmError#MSR_REFUSED} naming the first MSR KVM did not accept, or as
     *                      {@link KvmVcpu#setMsrs(Map)}
     */
    public static void apply(KvmVcpu vcpu) throws KvmException {
        vcpu.setMsrs(VALUES);
    }
}
