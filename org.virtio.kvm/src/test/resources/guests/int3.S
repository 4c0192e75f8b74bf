/*
 * Announces itself with 'X' on the UART port, then executes int3. PVM's emulator of CPL0 code cannot
 * emulate int3 (KVM_EXIT_INTERNAL_ERROR); with hardware virtualisation, with no IDT, it ends in a
 * triple fault (KVM_EXIT_SHUTDOWN).
 */
    .code64
    .text
    .globl _start
_start:
    mov $0x3f8, %dx
    mov $'X', %al
    out %al, %dx
    int3
    hlt
