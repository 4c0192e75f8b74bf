/*
 * 16550 receive interrupts through the in-kernel irqchip: installs an interrupt gate for vector 0x24
 * in an IDT at 0x1000, programs the 8259 PIC (vectors 0x20-0x27, only IRQ 4 unmasked), enables the
 * UART's received-data interrupt (IER = 1), says 'R', then halts with interrupts on. The IRQ 4 handler
 * reads IIR, echoes every received byte while LSR.DR is set, and acknowledges the PIC.
 */
    .code64
    .text
    .globl _start
_start:
    lea handler(%rip), %rax
    mov $0x1000 + 0x24 * 16, %edi
    mov %ax, (%rdi)                 /* offset 15:0 */
    movw $0x08, 2(%rdi)             /* code selector */
    movw $0x8e00, 4(%rdi)           /* present, DPL 0, 64-bit interrupt gate */
    shr $16, %rax
    mov %ax, 6(%rdi)                /* offset 31:16 */
    shr $16, %rax
    mov %eax, 8(%rdi)               /* offset 63:32 */
    movl $0, 12(%rdi)
    sub $16, %rsp
    movw $0xfff, (%rsp)             /* IDT limit: 256 gates */
    movq $0x1000, 2(%rsp)           /* IDT base */
    lidt (%rsp)
    add $16, %rsp

    mov $0x11, %al                  /* ICW1: edge, cascade, ICW4 follows */
    out %al, $0x20
    mov $0x20, %al                  /* ICW2: vectors 0x20..0x27 */
    out %al, $0x21
    mov $0x04, %al                  /* ICW3: slave on IRQ 2 */
    out %al, $0x21
    mov $0x01, %al                  /* ICW4: 8086 mode */
    out %al, $0x21
    mov $0xef, %al                  /* OCW1: mask everything but IRQ 4 */
    out %al, $0x21

    mov $0x3f9, %dx
    mov $0x01, %al                  /* IER: received data available */
    out %al, %dx
    mov $0x3f8, %dx
    mov $'R', %al
    out %al, %dx
    sti
1:  hlt
    jmp 1b

handler:
    push %rax
    push %rdx
    mov $0x3fa, %dx
    in %dx, %al                     /* IIR */
2:  mov $0x3fd, %dx
    in %dx, %al                     /* LSR */
    test $0x01, %al                 /* DR */
    jz 3f
    mov $0x3f8, %dx
    in %dx, %al                     /* RBR */
    out %al, %dx                    /* echo through THR */
    jmp 2b
3:  mov $0x20, %al                  /* OCW2: non-specific EOI */
    out %al, $0x20
    pop %rdx
    pop %rax
    iretq
