/*
 * A minimal PVH guest: a 64-bit ELF whose .note.Xen carries XEN_ELFNOTE_PHYS32_ENTRY, entered in
 * 32-bit protected mode with paging off and ebx = hvm_start_info. It writes the low byte of the
 * start_info magic ('x') and the first command-line character to the UART port, then halts.
 * Linked by PvhGuestTest with: ld -m elf_x86_64 -Ttext-segment=0x100000 -e pvh_start.
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
    movl (%ebx), %eax          /* hvm_start_info.magic */
    movw $0x3f8, %dx
    outb %al, %dx
    movl 24(%ebx), %esi        /* hvm_start_info.cmdline_paddr (low half) */
    movb (%esi), %al
    outb %al, %dx
    hlt
