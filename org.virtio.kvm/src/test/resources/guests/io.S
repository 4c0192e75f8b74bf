/*
 * 64-bit test guest, entered at CPL0 in long mode (LongMode.enter), loaded anywhere (position-independent).
 * Writes "OK\n" to the UART data port with OUT, writes 0x12345678 to an unmapped address (an MMIO exit,
 * or an ioeventfd signal), reads 4 bytes of MMIO and echoes them as a 4-byte OUT, reads a byte with IN
 * and echoes it, then halts.
 */
    .code64
    .text
    .globl _start
_start:
    mov $0x3f8, %dx
    mov $'O', %al
    out %al, %dx
    mov $'K', %al
    out %al, %dx
    mov $'\n', %al
    out %al, %dx

    mov $0x10000000, %ebx
    movl $0x12345678, (%rbx)        /* MMIO write, 4 bytes */
    mov 8(%rbx), %eax               /* MMIO read, 4 bytes, at 0x10000008 */
    mov $0x3fc, %dx
    out %eax, %dx                   /* echo it: OUT, 4 bytes */

    mov $0x3fd, %dx
    in %dx, %al                     /* IN, 1 byte */
    mov $0x3fe, %dx
    out %al, %dx                    /* echo it */
    hlt
