/*
 * virtio-mmio test guest, entered at CPL0 in long mode (LongMode.enter), position-independent. The host
 * has initialised the device at 0x10000000 and made a buffer available on queue 0. The guest installs an
 * interrupt gate for vector 0x25 (IRQ 5) in an IDT at 0x1000, programs the 8259 PIC (base 0x20, only IRQ 5
 * unmasked), says 'R' on the UART port, enables interrupts and writes 0 (queue 0) to QueueNotify (caught
 * by an ioeventfd: no exit), then halts. The IRQ 5 handler reads InterruptStatus, writes it to
 * InterruptACK, says '0' + status on the UART port and acknowledges the PIC.
 */
    .code64
    .text
    .globl _start
_start:
    lea handler(%rip), %rax
    mov $0x1000 + 0x25 * 16, %edi
    mov %ax, (%rdi)
    movw $0x08, 2(%rdi)
    movw $0x8e00, 4(%rdi)
    shr $16, %rax
    mov %ax, 6(%rdi)
    shr $16, %rax
    mov %eax, 8(%rdi)
    movl $0, 12(%rdi)
    sub $16, %rsp
    movw $0xfff, (%rsp)
    movq $0x1000, 2(%rsp)
    lidt (%rsp)
    add $16, %rsp

    mov $0x11, %al
    out %al, $0x20
    mov $0x20, %al
    out %al, $0x21
    mov $0x04, %al
    out %al, $0x21
    mov $0x01, %al
    out %al, $0x21
    mov $0xdf, %al                  /* OCW1: mask everything but IRQ 5 */
    out %al, $0x21

    mov $0x3f8, %dx
    mov $'R', %al
    out %al, %dx
    sti
    mov $0x10000000, %ebx
    movl $0, 0x50(%rbx)             /* QueueNotify = queue 0 */
1:  hlt
    jmp 1b

handler:
    push %rax
    push %rbx
    push %rdx
    mov $0x10000000, %ebx
    mov 0x60(%rbx), %eax            /* InterruptStatus */
    mov %eax, 0x64(%rbx)            /* InterruptACK */
    add $'0', %al
    mov $0x3f8, %dx
    out %al, %dx
    mov $0x20, %al
    out %al, $0x20
    pop %rdx
    pop %rbx
    pop %rax
    iretq
