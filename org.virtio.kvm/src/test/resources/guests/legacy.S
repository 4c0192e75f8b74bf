/*
 * PC legacy devices (org.virtio.kvm.devices): programs the COM1 16550 (8N1, divisor 1 = 115200 baud,
 * IER = receive interrupt), writes "Hello from 16550\n" through THR, waiting for LSR.THRE before each
 * byte, reads the CMOS seconds register (BCD) and stores it in the UART's scratch register, then asks
 * the i8042 to pulse the CPU reset line (0xFE to port 0x64). Position-independent, entered at CPL0.
 */
    .code64
    .text
    .globl _start
_start:
    mov $0x3fb, %dx
    mov $0x80, %al                  /* LCR: DLAB */
    out %al, %dx
    mov $0x3f8, %dx
    mov $0x01, %al                  /* DLL = 1 */
    out %al, %dx
    inc %dx
    xor %al, %al                    /* DLM = 0 */
    out %al, %dx
    mov $0x3fb, %dx
    mov $0x03, %al                  /* LCR: 8N1, DLAB off */
    out %al, %dx
    mov $0x3f9, %dx
    mov $0x01, %al                  /* IER: received data available */
    out %al, %dx

    lea message(%rip), %rsi
1:  movb (%rsi), %bl
    test %bl, %bl
    jz 3f
    mov $0x3fd, %dx
2:  in %dx, %al                     /* LSR */
    test $0x20, %al                 /* THRE */
    jz 2b
    mov $0x3f8, %dx
    mov %bl, %al
    out %al, %dx                    /* THR */
    inc %rsi
    jmp 1b

3:  mov $0x80, %al                  /* CMOS index 0 (seconds), NMI disabled */
    out %al, $0x70
    in $0x71, %al
    mov $0x3ff, %dx
    out %al, %dx                    /* into the UART scratch register */

    mov $0xfe, %al                  /* i8042: pulse reset */
    out %al, $0x64
4:  hlt                             /* not reached: the VMM stops the VM on the reset */
    jmp 4b

message:
    .asciz "Hello from 16550\n"
