package org.virtio.kvm.internal;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.lang.foreign.ValueLayout;

/**
 * The {@code <linux/kvm.h>} structs (x86-64) as FFM layouts, one definition per struct, and the byte
 * offsets of the fields this bundle reads and writes. {@code KvmStructsTest} compares every layout's
 * size and every offset below with what gcc reports for the kernel header.
 */
final class KvmStructs {
    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG;

    /** struct kvm_userspace_memory_region. */
    static final StructLayout KVM_USERSPACE_MEMORY_REGION = structLayout(
            U32.withName("slot"),
            U32.withName("flags"),
            U64.withName("guest_phys_addr"),
            U64.withName("memory_size"),
            U64.withName("userspace_addr")).withName("kvm_userspace_memory_region");

    /** struct kvm_regs: 18 u64 registers in this order (RegisterCodec reads them by index). */
    static final StructLayout KVM_REGS = structLayout(
            U64.withName("rax"), U64.withName("rbx"), U64.withName("rcx"), U64.withName("rdx"),
            U64.withName("rsi"), U64.withName("rdi"), U64.withName("rsp"), U64.withName("rbp"),
            U64.withName("r8"), U64.withName("r9"), U64.withName("r10"), U64.withName("r11"),
            U64.withName("r12"), U64.withName("r13"), U64.withName("r14"), U64.withName("r15"),
            U64.withName("rip"), U64.withName("rflags")).withName("kvm_regs");

    /** struct kvm_segment. */
    static final StructLayout KVM_SEGMENT = structLayout(
            U64.withName("base"),
            U32.withName("limit"),
            U16.withName("selector"),
            U8.withName("type"), U8.withName("present"), U8.withName("dpl"), U8.withName("db"),
            U8.withName("s"), U8.withName("l"), U8.withName("g"), U8.withName("avl"),
            U8.withName("unusable"), U8.withName("padding")).withName("kvm_segment");

    /** struct kvm_dtable. */
    static final StructLayout KVM_DTABLE = structLayout(
            U64.withName("base"),
            U16.withName("limit"),
            sequenceLayout(3, U16).withName("padding")).withName("kvm_dtable");

    /** KVM_NR_INTERRUPTS (256) bits, in 64-bit words. */
    private static final int INTERRUPT_BITMAP_WORDS = (256 + 63) / 64;

    /** struct kvm_sregs. */
    static final StructLayout KVM_SREGS = structLayout(
            KVM_SEGMENT.withName("cs"), KVM_SEGMENT.withName("ds"), KVM_SEGMENT.withName("es"),
            KVM_SEGMENT.withName("fs"), KVM_SEGMENT.withName("gs"), KVM_SEGMENT.withName("ss"),
            KVM_SEGMENT.withName("tr"), KVM_SEGMENT.withName("ldt"),
            KVM_DTABLE.withName("gdt"), KVM_DTABLE.withName("idt"),
            U64.withName("cr0"), U64.withName("cr2"), U64.withName("cr3"), U64.withName("cr4"),
            U64.withName("cr8"), U64.withName("efer"), U64.withName("apic_base"),
            sequenceLayout(INTERRUPT_BITMAP_WORDS, U64).withName("interrupt_bitmap")).withName("kvm_sregs");

    /** The {@code io} member of kvm_run's exit union (KVM_EXIT_IO). */
    static final StructLayout KVM_RUN_IO = structLayout(
            U8.withName("direction"),
            U8.withName("size"),
            U16.withName("port"),
            U32.withName("count"),
            U64.withName("data_offset")).withName("io");

    /** The {@code mmio} member of kvm_run's exit union (KVM_EXIT_MMIO). */
    static final StructLayout KVM_RUN_MMIO = structLayout(
            U64.withName("phys_addr"),
            sequenceLayout(8, U8).withName("data"),
            U32.withName("len"),
            U8.withName("is_write"),
            paddingLayout(3)).withName("mmio");

    /** The {@code fail_entry} member of kvm_run's exit union (KVM_EXIT_FAIL_ENTRY). */
    static final StructLayout KVM_RUN_FAIL_ENTRY = structLayout(
            U64.withName("hardware_entry_failure_reason"),
            U32.withName("cpu"),
            paddingLayout(4)).withName("fail_entry");

    /** The {@code internal} member of kvm_run's exit union (KVM_EXIT_INTERNAL_ERROR). */
    static final StructLayout KVM_RUN_INTERNAL = structLayout(
            U32.withName("suberror"),
            U32.withName("ndata"),
            sequenceLayout(16, U64).withName("data")).withName("internal");

    /** kvm_run's exit union: the members used here, padded to the header's 256 bytes. */
    static final UnionLayout KVM_RUN_EXIT = unionLayout(
            KVM_RUN_IO, KVM_RUN_MMIO, KVM_RUN_FAIL_ENTRY, KVM_RUN_INTERNAL,
            sequenceLayout(256, U8).withName("padding")).withName("exit");

    /** struct kvm_run: the area mmapped from a vCPU descriptor (its first part; the mapping is larger). */
    static final StructLayout KVM_RUN = structLayout(
            U8.withName("request_interrupt_window"),
            U8.withName("immediate_exit"),
            sequenceLayout(6, U8).withName("padding1"),
            U32.withName("exit_reason"),
            U8.withName("ready_for_interrupt_injection"),
            U8.withName("if_flag"),
            U16.withName("flags"),
            U64.withName("cr8"),
            U64.withName("apic_base"),
            KVM_RUN_EXIT,
            U64.withName("kvm_valid_regs"),
            U64.withName("kvm_dirty_regs"),
            sequenceLayout(2048, U8).withName("s")).withName("kvm_run");

    /** struct kvm_ioeventfd. */
    static final StructLayout KVM_IOEVENTFD = structLayout(
            U64.withName("datamatch"),
            U64.withName("addr"),
            U32.withName("len"),
            U32.withName("fd"),
            U32.withName("flags"),
            sequenceLayout(36, U8).withName("pad")).withName("kvm_ioeventfd");

    /** struct kvm_irqfd. */
    static final StructLayout KVM_IRQFD = structLayout(
            U32.withName("fd"),
            U32.withName("gsi"),
            U32.withName("flags"),
            U32.withName("resamplefd"),
            sequenceLayout(16, U8).withName("pad")).withName("kvm_irqfd");

    /** struct kvm_pit_config (KVM_CREATE_PIT2). */
    static final StructLayout KVM_PIT_CONFIG = structLayout(
            U32.withName("flags"),
            sequenceLayout(15, U32).withName("pad")).withName("kvm_pit_config");

    /** struct kvm_signal_mask: a length, followed by that many bytes of kernel sigset. */
    static final StructLayout KVM_SIGNAL_MASK = structLayout(U32.withName("len")).withName("kvm_signal_mask");

    /** struct kvm_cpuid_entry2. */
    static final StructLayout KVM_CPUID_ENTRY2 = structLayout(
            U32.withName("function"), U32.withName("index"), U32.withName("flags"),
            U32.withName("eax"), U32.withName("ebx"), U32.withName("ecx"), U32.withName("edx"),
            sequenceLayout(3, U32).withName("padding")).withName("kvm_cpuid_entry2");

    /** struct kvm_cpuid2: a count, followed by that many kvm_cpuid_entry2. */
    static final StructLayout KVM_CPUID2 = structLayout(
            U32.withName("nent"),
            U32.withName("padding")).withName("kvm_cpuid2");

    /** struct kvm_irq_routing_irqchip: a pin of one in-kernel interrupt controller. */
    static final StructLayout KVM_IRQ_ROUTING_IRQCHIP_STRUCT = structLayout(
            U32.withName("irqchip"),
            U32.withName("pin")).withName("kvm_irq_routing_irqchip");

    /** struct kvm_irq_routing_msi: an MSI message (the x86 union member devid/pad is left 0). */
    static final StructLayout KVM_IRQ_ROUTING_MSI_STRUCT = structLayout(
            U32.withName("address_lo"),
            U32.withName("address_hi"),
            U32.withName("data"),
            U32.withName("pad")).withName("kvm_irq_routing_msi");

    /** struct kvm_irq_routing_entry: the union {@code u} is 32 bytes (its {@code __u32 pad[8]} member). */
    static final StructLayout KVM_IRQ_ROUTING_ENTRY = structLayout(
            U32.withName("gsi"),
            U32.withName("type"),
            U32.withName("flags"),
            U32.withName("pad"),
            unionLayout(KVM_IRQ_ROUTING_IRQCHIP_STRUCT.withName("irqchip"), KVM_IRQ_ROUTING_MSI_STRUCT.withName("msi"),
                    sequenceLayout(8, U32).withName("pad")).withName("u")).withName("kvm_irq_routing_entry");

    /** struct kvm_irq_routing: a count and flags, followed by that many kvm_irq_routing_entry. */
    static final StructLayout KVM_IRQ_ROUTING = structLayout(
            U32.withName("nr"),
            U32.withName("flags")).withName("kvm_irq_routing");

    /** struct kvm_msr_entry. */
    static final StructLayout KVM_MSR_ENTRY = structLayout(
            U32.withName("index"),
            U32.withName("reserved"),
            U64.withName("data")).withName("kvm_msr_entry");

    /** struct kvm_msrs: a count, followed by that many kvm_msr_entry. */
    static final StructLayout KVM_MSRS = structLayout(
            U32.withName("nmsrs"),
            U32.withName("pad")).withName("kvm_msrs");

    /** struct kvm_msr_list: a count, followed by that many u32 MSR indices. */
    static final StructLayout KVM_MSR_LIST = structLayout(U32.withName("nmsrs")).withName("kvm_msr_list");

    // ---- offsets of the fields used ----
    static final long REGION_SLOT = off(KVM_USERSPACE_MEMORY_REGION, "slot");
    static final long REGION_FLAGS = off(KVM_USERSPACE_MEMORY_REGION, "flags");
    static final long REGION_GUEST_PHYS_ADDR = off(KVM_USERSPACE_MEMORY_REGION, "guest_phys_addr");
    static final long REGION_MEMORY_SIZE = off(KVM_USERSPACE_MEMORY_REGION, "memory_size");
    static final long REGION_USERSPACE_ADDR = off(KVM_USERSPACE_MEMORY_REGION, "userspace_addr");

    static final long SEGMENT_BASE = off(KVM_SEGMENT, "base");
    static final long SEGMENT_LIMIT = off(KVM_SEGMENT, "limit");
    static final long SEGMENT_SELECTOR = off(KVM_SEGMENT, "selector");
    static final long SEGMENT_TYPE = off(KVM_SEGMENT, "type");
    static final long SEGMENT_PRESENT = off(KVM_SEGMENT, "present");
    static final long SEGMENT_DPL = off(KVM_SEGMENT, "dpl");
    static final long SEGMENT_DB = off(KVM_SEGMENT, "db");
    static final long SEGMENT_S = off(KVM_SEGMENT, "s");
    static final long SEGMENT_L = off(KVM_SEGMENT, "l");
    static final long SEGMENT_G = off(KVM_SEGMENT, "g");
    static final long SEGMENT_AVL = off(KVM_SEGMENT, "avl");
    static final long SEGMENT_UNUSABLE = off(KVM_SEGMENT, "unusable");
    static final long DTABLE_BASE = off(KVM_DTABLE, "base");
    static final long DTABLE_LIMIT = off(KVM_DTABLE, "limit");

    static final long SREGS_CS = off(KVM_SREGS, "cs");
    static final long SREGS_DS = off(KVM_SREGS, "ds");
    static final long SREGS_ES = off(KVM_SREGS, "es");
    static final long SREGS_FS = off(KVM_SREGS, "fs");
    static final long SREGS_GS = off(KVM_SREGS, "gs");
    static final long SREGS_SS = off(KVM_SREGS, "ss");
    static final long SREGS_TR = off(KVM_SREGS, "tr");
    static final long SREGS_LDT = off(KVM_SREGS, "ldt");
    static final long SREGS_GDT = off(KVM_SREGS, "gdt");
    static final long SREGS_IDT = off(KVM_SREGS, "idt");
    static final long SREGS_CR0 = off(KVM_SREGS, "cr0");
    static final long SREGS_CR2 = off(KVM_SREGS, "cr2");
    static final long SREGS_CR3 = off(KVM_SREGS, "cr3");
    static final long SREGS_CR4 = off(KVM_SREGS, "cr4");
    static final long SREGS_CR8 = off(KVM_SREGS, "cr8");
    static final long SREGS_EFER = off(KVM_SREGS, "efer");
    static final long SREGS_APIC_BASE = off(KVM_SREGS, "apic_base");

    static final long RUN_EXIT_REASON = off(KVM_RUN, "exit_reason");
    static final long RUN_IO_DIRECTION = off(KVM_RUN, "exit", "io", "direction");
    static final long RUN_IO_SIZE = off(KVM_RUN, "exit", "io", "size");
    static final long RUN_IO_PORT = off(KVM_RUN, "exit", "io", "port");
    static final long RUN_IO_COUNT = off(KVM_RUN, "exit", "io", "count");
    static final long RUN_IO_DATA_OFFSET = off(KVM_RUN, "exit", "io", "data_offset");
    static final long RUN_MMIO_PHYS_ADDR = off(KVM_RUN, "exit", "mmio", "phys_addr");
    static final long RUN_MMIO_DATA = off(KVM_RUN, "exit", "mmio", "data");
    static final long RUN_MMIO_LEN = off(KVM_RUN, "exit", "mmio", "len");
    static final long RUN_MMIO_IS_WRITE = off(KVM_RUN, "exit", "mmio", "is_write");
    static final long RUN_FAIL_ENTRY_REASON = off(KVM_RUN, "exit", "fail_entry", "hardware_entry_failure_reason");
    static final long RUN_FAIL_ENTRY_CPU = off(KVM_RUN, "exit", "fail_entry", "cpu");
    static final long RUN_INTERNAL_SUBERROR = off(KVM_RUN, "exit", "internal", "suberror");
    static final long RUN_INTERNAL_NDATA = off(KVM_RUN, "exit", "internal", "ndata");
    static final long RUN_INTERNAL_DATA = off(KVM_RUN, "exit", "internal", "data");
    /** Entries of internal.data[]. */
    static final int RUN_INTERNAL_DATA_MAX = 16;

    static final long IOEVENTFD_DATAMATCH = off(KVM_IOEVENTFD, "datamatch");
    static final long IOEVENTFD_ADDR = off(KVM_IOEVENTFD, "addr");
    static final long IOEVENTFD_LEN = off(KVM_IOEVENTFD, "len");
    static final long IOEVENTFD_FD = off(KVM_IOEVENTFD, "fd");
    static final long IOEVENTFD_FLAGS = off(KVM_IOEVENTFD, "flags");

    static final long IRQFD_FD = off(KVM_IRQFD, "fd");
    static final long IRQFD_GSI = off(KVM_IRQFD, "gsi");
    static final long IRQFD_FLAGS = off(KVM_IRQFD, "flags");

    static final long SIGNAL_MASK_LEN = off(KVM_SIGNAL_MASK, "len");

    static final long CPUID2_NENT = off(KVM_CPUID2, "nent");
    static final long CPUID_ENTRY_FUNCTION = off(KVM_CPUID_ENTRY2, "function");
    static final long CPUID_ENTRY_EBX = off(KVM_CPUID_ENTRY2, "ebx");
    static final long CPUID_ENTRY_EDX = off(KVM_CPUID_ENTRY2, "edx");

    static final long IRQ_ROUTING_NR = off(KVM_IRQ_ROUTING, "nr");
    static final long IRQ_ROUTING_FLAGS = off(KVM_IRQ_ROUTING, "flags");
    static final long ROUTE_GSI = off(KVM_IRQ_ROUTING_ENTRY, "gsi");
    static final long ROUTE_TYPE = off(KVM_IRQ_ROUTING_ENTRY, "type");
    static final long ROUTE_FLAGS = off(KVM_IRQ_ROUTING_ENTRY, "flags");
    static final long ROUTE_IRQCHIP_IRQCHIP = off(KVM_IRQ_ROUTING_ENTRY, "u", "irqchip", "irqchip");
    static final long ROUTE_IRQCHIP_PIN = off(KVM_IRQ_ROUTING_ENTRY, "u", "irqchip", "pin");
    static final long ROUTE_MSI_ADDRESS_LO = off(KVM_IRQ_ROUTING_ENTRY, "u", "msi", "address_lo");
    static final long ROUTE_MSI_ADDRESS_HI = off(KVM_IRQ_ROUTING_ENTRY, "u", "msi", "address_hi");
    static final long ROUTE_MSI_DATA = off(KVM_IRQ_ROUTING_ENTRY, "u", "msi", "data");

    static final long MSRS_NMSRS = off(KVM_MSRS, "nmsrs");
    static final long MSR_ENTRY_INDEX = off(KVM_MSR_ENTRY, "index");
    static final long MSR_ENTRY_DATA = off(KVM_MSR_ENTRY, "data");
    static final long MSR_LIST_NMSRS = off(KVM_MSR_LIST, "nmsrs");

    // ---- flag and enum values of these structs ----
    /** kvm_userspace_memory_region.flags: guest writes exit as MMIO. */
    static final int KVM_MEM_READONLY = 1 << 1;
    /** kvm_run.io.direction. */
    static final int KVM_EXIT_IO_IN = 0;
    static final int KVM_EXIT_IO_OUT = 1;
    /** kvm_ioeventfd.flags bits. */
    static final int KVM_IOEVENTFD_FLAG_DATAMATCH = 1 << 0;
    static final int KVM_IOEVENTFD_FLAG_PIO = 1 << 1;
    static final int KVM_IOEVENTFD_FLAG_DEASSIGN = 1 << 2;
    /** kvm_irqfd.flags bits. */
    static final int KVM_IRQFD_FLAG_DEASSIGN = 1 << 0;
    /** kvm_irq_routing_entry.type values. */
    static final int KVM_IRQ_ROUTING_IRQCHIP = 1;
    static final int KVM_IRQ_ROUTING_MSI = 2;
    /** kvm_irq_routing_irqchip.irqchip values ({@code <asm/kvm.h>}). */
    static final int KVM_IRQCHIP_PIC_MASTER = 0;
    static final int KVM_IRQCHIP_PIC_SLAVE = 1;
    static final int KVM_IRQCHIP_IOAPIC = 2;

    private KvmStructs() {
    }

    private static long off(MemoryLayout layout, String... path) {
        MemoryLayout.PathElement[] elements = new MemoryLayout.PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            elements[i] = groupElement(path[i]);
        }
        return layout.byteOffset(elements);
    }
}
