package org.virtio.kvm.api;

/**
 * The x86-64 general-purpose registers, rip and rflags (struct kvm_regs).
 *
 * @param rax    rax
 * @param rbx    rbx
 * @param rcx    rcx
 * @param rdx    rdx
 * @param rsi    rsi
 * @param rdi    rdi
 * @param rsp    rsp
 * @param rbp    rbp
 * @param r8     r8
 * @param r9     r9
 * @param r10    r10
 * @param r11    r11
 * @param r12    r12
 * @param r13    r13
 * @param r14    r14
 * @param r15    r15
 * @param rip    the instruction pointer
 * @param rflags the flags (bit 1 is always set)
 */
public record Registers(long rax, long rbx, long rcx, long rdx, long rsi, long rdi, long rsp, long rbp,
        long r8, long r9, long r10, long r11, long r12, long r13, long r14, long r15, long rip, long rflags) {

    /** The reserved rflags bit 1, which always reads as one. */
    public static final long RFLAGS_RESERVED = 0x2;

    /**
     * @param rip the entry point
     * @param rsp the stack pointer
     * @return registers that start execution at rip with the given stack, interrupts off, others zero
     */
    public static Registers atEntry(long rip, long rsp) {
        return new Registers(0, 0, 0, 0, 0, 0, rsp, 0, 0, 0, 0, 0, 0, 0, 0, 0, rip, RFLAGS_RESERVED);
    }
}
