/*
 * The launcher's test guest: a 64-bit ELF whose .note.Xen carries XEN_ELFNOTE_PHYS32_ENTRY (adapted
 * from org.virtio.kvm's boot/pvh.S), entered in 32-bit protected mode with paging off and
 * ebx = hvm_start_info. It prints "PVH:" and the first 63 characters of its command line
 * (hvm_start_info.cmdline_paddr) on the 16550 at 0x3f8, a newline, then resets through the i8042
 * (0xFE to port 0x64). A few dozen instructions: CPL0 code is emulated slowly on PVM hosts.
 * Linked by the tests with: ld -m elf_x86_64 -Ttext-segment=0x100000 -e pvh_start.
 */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4                    /* n_namesz: "Xen\0" */
    .long 4                    /* n_descsz */
    .long 18                   /* n_type: XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .balign 4
    .long pvh_start
    .balign 4

    .text
    .code32
    .globl pvh_start
pvh_start:
    movw $0x3f8, %dx
    movb $'P', %al
    outb %al, %dx
    movb $'V', %al
    outb %al, %dx
    movb $'H', %al
    outb %al, %dx
    movb $':', %al
    outb %al, %dx
    movl 24(%ebx), %esi        /* hvm_start_info.cmdline_paddr (low half) */
    movl $63, %ecx
1:  movb (%esi), %al
    testb %al, %al
    jz 2f
    outb %al, %dx
    incl %esi
    decl %ecx
    jnz 1b
2:  movb $'\n', %al
    outb %al, %dx
    movb $0xfe, %al
    outb %al, $0x64            /* i8042 pulse reset line */
3:  hlt
    jmp 3b
