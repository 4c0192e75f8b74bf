/*
 * Exit round trips: 1000 one-byte OUTs to port 0x80, 1000 four-byte MMIO writes to 0x10000000, 1000
 * four-byte MMIO writes to 0x10001000 (an ioeventfd in the test, so no exit), then 'E' to the UART port
 * and HLT.
 */
    .code64
    .text
    .globl _start
_start:
    mov $0x80, %dx
    mov $1000, %ecx
1:  out %al, %dx
    dec %ecx
    jnz 1b

    mov $0x10000000, %ebx
    mov $1000, %ecx
2:  movl %ecx, (%rbx)
    dec %ecx
    jnz 2b

    mov $0x10001000, %ebx
    mov $1000, %ecx
3:  movl %ecx, (%rbx)
    dec %ecx
    jnz 3b

    mov $0x3f8, %dx
    mov $'E', %al
    out %al, %dx
    hlt
