/* Announces itself with 'S' on the UART port, then spins forever: only a stop request ends it. */
    .code64
    .text
    .globl _start
_start:
    mov $0x3f8, %dx
    mov $'S', %al
    out %al, %dx
1:  jmp 1b
