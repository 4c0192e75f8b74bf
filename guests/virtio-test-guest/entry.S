/*
 * PVH entry for virtio-test-guest.
 *
 * PVH: the loader enters pvh_start in 32-bit protected mode, paging off, flat CS/DS,
 * %ebx = physical address of struct hvm_start_info.  We build a GDT, identity-map the
 * first 4 GiB with 2 MiB pages (the first GiB is RAM, the 4th holds the IO-APIC, LAPIC
 * and, under QEMU microvm, the virtio-mmio windows), enable long mode and call kmain().
 * All pages carry the U bit so the test loops can run at CPL3.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define KCODE64 0x08
#define KDATA   0x10
#define KCODE32 0x18
#define UDATA   0x20
#define UCODE64 0x28

    .section .note.Xen, "a", @note
    .balign 4
    .long 4                         /* namesz: "Xen\0" */
    .long 8                         /* descsz */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .quad pvh_start

    .section .text.entry, "ax"
    .code32
    .globl pvh_start
pvh_start:
    cli
    cld
    movl    %ebx, %esi              /* keep hvm_start_info in esi (not touched below) */
    lgdt    gdt_ptr
    ljmp    $KCODE32, $1f
1:
    movl    $KDATA, %eax
    movl    %eax, %ds
    movl    %eax, %es
    movl    %eax, %ss
    movl    %eax, %fs
    movl    %eax, %gs
    movl    $boot_stack_top, %esp

    /* zero .bss (page tables and stacks live there) */
    movl    $__bss_start, %edi
    movl    $__bss_end, %ecx
    subl    %edi, %ecx
    shrl    $2, %ecx
    xorl    %eax, %eax
    rep stosl

    /* PML4[0] -> PDPT, PDPT[0..3] -> PD0..PD3 (P|RW|US) */
    movl    $pdpt, %eax
    orl     $0x7, %eax
    movl    %eax, pml4
    movl    $pd, %eax
    orl     $0x7, %eax
    movl    %eax, pdpt
    addl    $0x1000, %eax
    movl    %eax, pdpt + 8
    addl    $0x1000, %eax
    movl    %eax, pdpt + 16
    addl    $0x1000, %eax
    movl    %eax, pdpt + 24

    /* 2048 x 2 MiB pages: P|RW|US|PS, the 4th GiB also PWT|PCD (device memory) */
    xorl    %ecx, %ecx
2:
    movl    %ecx, %eax
    shll    $21, %eax
    orl     $0x87, %eax
    cmpl    $1536, %ecx
    jb      3f
    orl     $0x18, %eax
3:
    movl    %eax, pd(,%ecx,8)
    incl    %ecx
    cmpl    $2048, %ecx
    jb      2b

    movl    %cr4, %eax
    orl     $0x20, %eax             /* PAE */
    movl    %eax, %cr4
    movl    $pml4, %eax
    movl    %eax, %cr3
    movl    $0xC0000080, %ecx       /* EFER */
    rdmsr
    orl     $0x100, %eax            /* LME */
    wrmsr
    movl    %cr0, %eax
    orl     $0x80000001, %eax       /* PG | PE */
    movl    %eax, %cr0
    ljmp    $KCODE64, $long_entry

    .code64
long_entry:
    movl    $KDATA, %eax
    movl    %eax, %ds
    movl    %eax, %es
    movl    %eax, %ss
    movl    %eax, %fs
    movl    %eax, %gs
    movq    $boot_stack_top, %rsp
    movl    %esi, %edi              /* kmain(struct hvm_start_info *) */
    call    kmain
halt_forever:
    cli
    hlt
    jmp     halt_forever

/* ---------------------------------------------------------------- interrupts */
    .text
    .globl  isr_stubs
    .balign 16
isr_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq   $0
    .endif
    pushq   $vec
    jmp     isr_common
    .set vec, vec + 1
    .endr

isr_common:
    pushq   %rax
    pushq   %rbx
    pushq   %rcx
    pushq   %rdx
    pushq   %rsi
    pushq   %rdi
    pushq   %rbp
    pushq   %r8
    pushq   %r9
    pushq   %r10
    pushq   %r11
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, %rdi
    cld
    call    isr_dispatch
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %r11
    popq    %r10
    popq    %r9
    popq    %r8
    popq    %rbp
    popq    %rdi
    popq    %rsi
    popq    %rdx
    popq    %rcx
    popq    %rbx
    popq    %rax
    addq    $16, %rsp
    iretq

/* ---------------------------------------------------------------- CPL3 */
/* long enter_user(long (*fn)(void *), void *arg, void *user_stack_top)
 * Runs fn(arg) at CPL3 with IF=0.  fn returns into a ud2; the #UD handler
 * (CPL0) calls resume_kernel(rax), which returns from enter_user. */
    .globl  enter_user
enter_user:
    pushq   %rbx
    pushq   %rbp
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, kernel_saved_rsp(%rip)
    andq    $-16, %rdx
    leaq    user_return(%rip), %rax
    movq    %rax, -8(%rdx)
    subq    $8, %rdx
    pushq   $(UDATA | 3)            /* ss */
    pushq   %rdx                    /* rsp */
    pushq   $0x2                    /* rflags: IF=0 */
    pushq   $(UCODE64 | 3)          /* cs */
    pushq   %rdi                    /* rip */
    movq    %rsi, %rdi
    iretq
    .globl  user_return
user_return:
    ud2

    .globl  resume_kernel
resume_kernel:
    movq    kernel_saved_rsp(%rip), %rsp
    movq    %rdi, %rax
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbp
    popq    %rbx
    ret

/* ---------------------------------------------------------------- data */
    .data
    .balign 16
    .globl  gdt
gdt:
    .quad   0
    .quad   0x00af9a000000ffff      /* 0x08 kernel code 64 */
    .quad   0x00cf92000000ffff      /* 0x10 kernel data */
    .quad   0x00cf9a000000ffff      /* 0x18 kernel code 32 */
    .quad   0x00cff2000000ffff      /* 0x20 user data (DPL3) */
    .quad   0x00affa000000ffff      /* 0x28 user code 64 (DPL3) */
    .globl  gdt_tss
gdt_tss:
    .quad   0, 0                    /* 0x30 TSS, filled in by C */
gdt_end:
    .balign 8
    .globl  gdt_ptr
gdt_ptr:
    .word   gdt_end - gdt - 1
    .quad   gdt

    .bss
    .balign 4096
pml4:   .skip 4096
pdpt:   .skip 4096
pd:     .skip 4 * 4096
    .balign 16
    .skip 32768
boot_stack_top:
kernel_saved_rsp:
    .skip 8
