package org.virtio.kvm.internal;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every {@link KvmStructs} layout's size, and the offset of every field the bundle uses, against
 * sizeof/offsetof of {@code <linux/kvm.h>} as gcc computes them.
 */
class KvmStructsTest {
    private final Map<String, Long> java = new LinkedHashMap<>();
    private final KernelHeaderProbe probe = new KernelHeaderProbe();

    private void check(String name, long javaValue, String cExpression) {
        java.put(name, javaValue);
        probe.add(name, cExpression);
    }

    private void size(String struct, long javaSize) {
        check("sizeof_" + struct, javaSize, "sizeof(struct " + struct + ")");
    }

    private void offset(String struct, String field, long javaOffset) {
        check("offsetof_" + struct + "." + field, javaOffset, "offsetof(struct " + struct + ", " + field + ")");
    }

    @Test
    void layoutsMatchTheKernelHeader() throws Exception {
        size("kvm_userspace_memory_region", KvmStructs.KVM_USERSPACE_MEMORY_REGION.byteSize());
        offset("kvm_userspace_memory_region", "slot", KvmStructs.REGION_SLOT);
        offset("kvm_userspace_memory_region", "flags", KvmStructs.REGION_FLAGS);
        offset("kvm_userspace_memory_region", "guest_phys_addr", KvmStructs.REGION_GUEST_PHYS_ADDR);
        offset("kvm_userspace_memory_region", "memory_size", KvmStructs.REGION_MEMORY_SIZE);
        offset("kvm_userspace_memory_region", "userspace_addr", KvmStructs.REGION_USERSPACE_ADDR);

        size("kvm_regs", KvmStructs.KVM_REGS.byteSize());
        String[] regs = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp", "r8", "r9", "r10", "r11", "r12",
            "r13", "r14", "r15", "rip", "rflags"};
        for (int i = 0; i < regs.length; i++) {
            // RegisterCodec reads kvm_regs as 18 consecutive u64 in this order
            offset("kvm_regs", regs[i], 8L * i);
        }

        size("kvm_segment", KvmStructs.KVM_SEGMENT.byteSize());
        offset("kvm_segment", "base", KvmStructs.SEGMENT_BASE);
        offset("kvm_segment", "limit", KvmStructs.SEGMENT_LIMIT);
        offset("kvm_segment", "selector", KvmStructs.SEGMENT_SELECTOR);
        offset("kvm_segment", "type", KvmStructs.SEGMENT_TYPE);
        offset("kvm_segment", "present", KvmStructs.SEGMENT_PRESENT);
        offset("kvm_segment", "dpl", KvmStructs.SEGMENT_DPL);
        offset("kvm_segment", "db", KvmStructs.SEGMENT_DB);
        offset("kvm_segment", "s", KvmStructs.SEGMENT_S);
        offset("kvm_segment", "l", KvmStructs.SEGMENT_L);
        offset("kvm_segment", "g", KvmStructs.SEGMENT_G);
        offset("kvm_segment", "avl", KvmStructs.SEGMENT_AVL);
        offset("kvm_segment", "unusable", KvmStructs.SEGMENT_UNUSABLE);
        size("kvm_dtable", KvmStructs.KVM_DTABLE.byteSize());
        offset("kvm_dtable", "base", KvmStructs.DTABLE_BASE);
        offset("kvm_dtable", "limit", KvmStructs.DTABLE_LIMIT);

        size("kvm_sregs", KvmStructs.KVM_SREGS.byteSize());
        offset("kvm_sregs", "cs", KvmStructs.SREGS_CS);
        offset("kvm_sregs", "ds", KvmStructs.SREGS_DS);
        offset("kvm_sregs", "es", KvmStructs.SREGS_ES);
        offset("kvm_sregs", "fs", KvmStructs.SREGS_FS);
        offset("kvm_sregs", "gs", KvmStructs.SREGS_GS);
        offset("kvm_sregs", "ss", KvmStructs.SREGS_SS);
        offset("kvm_sregs", "tr", KvmStructs.SREGS_TR);
        offset("kvm_sregs", "ldt", KvmStructs.SREGS_LDT);
        offset("kvm_sregs", "gdt", KvmStructs.SREGS_GDT);
        offset("kvm_sregs", "idt", KvmStructs.SREGS_IDT);
        offset("kvm_sregs", "cr0", KvmStructs.SREGS_CR0);
        offset("kvm_sregs", "cr2", KvmStructs.SREGS_CR2);
        offset("kvm_sregs", "cr3", KvmStructs.SREGS_CR3);
        offset("kvm_sregs", "cr4", KvmStructs.SREGS_CR4);
        offset("kvm_sregs", "cr8", KvmStructs.SREGS_CR8);
        offset("kvm_sregs", "efer", KvmStructs.SREGS_EFER);
        offset("kvm_sregs", "apic_base", KvmStructs.SREGS_APIC_BASE);

        size("kvm_run", KvmStructs.KVM_RUN.byteSize());
        offset("kvm_run", "exit_reason", KvmStructs.RUN_EXIT_REASON);
        offset("kvm_run", "io.direction", KvmStructs.RUN_IO_DIRECTION);
        offset("kvm_run", "io.size", KvmStructs.RUN_IO_SIZE);
        offset("kvm_run", "io.port", KvmStructs.RUN_IO_PORT);
        offset("kvm_run", "io.count", KvmStructs.RUN_IO_COUNT);
        offset("kvm_run", "io.data_offset", KvmStructs.RUN_IO_DATA_OFFSET);
        offset("kvm_run", "mmio.phys_addr", KvmStructs.RUN_MMIO_PHYS_ADDR);
        offset("kvm_run", "mmio.data", KvmStructs.RUN_MMIO_DATA);
        offset("kvm_run", "mmio.len", KvmStructs.RUN_MMIO_LEN);
        offset("kvm_run", "mmio.is_write", KvmStructs.RUN_MMIO_IS_WRITE);
        offset("kvm_run", "fail_entry.hardware_entry_failure_reason", KvmStructs.RUN_FAIL_ENTRY_REASON);
        offset("kvm_run", "fail_entry.cpu", KvmStructs.RUN_FAIL_ENTRY_CPU);
        offset("kvm_run", "internal.suberror", KvmStructs.RUN_INTERNAL_SUBERROR);
        offset("kvm_run", "internal.ndata", KvmStructs.RUN_INTERNAL_NDATA);
        offset("kvm_run", "internal.data", KvmStructs.RUN_INTERNAL_DATA);
        check("sizeof_kvm_run.io", KvmStructs.KVM_RUN_IO.byteSize(), "FIELD_SIZE(struct kvm_run, io)");
        check("sizeof_kvm_run.mmio", KvmStructs.KVM_RUN_MMIO.byteSize(), "FIELD_SIZE(struct kvm_run, mmio)");
        check("sizeof_kvm_run.fail_entry", KvmStructs.KVM_RUN_FAIL_ENTRY.byteSize(), "FIELD_SIZE(struct kvm_run, fail_entry)");
        check("sizeof_kvm_run.internal", KvmStructs.KVM_RUN_INTERNAL.byteSize(), "FIELD_SIZE(struct kvm_run, internal)");
        check("entries_kvm_run.internal.data", KvmStructs.RUN_INTERNAL_DATA_MAX,
                "FIELD_SIZE(struct kvm_run, internal.data) / sizeof(__u64)");

        size("kvm_ioeventfd", KvmStructs.KVM_IOEVENTFD.byteSize());
        offset("kvm_ioeventfd", "datamatch", KvmStructs.IOEVENTFD_DATAMATCH);
        offset("kvm_ioeventfd", "addr", KvmStructs.IOEVENTFD_ADDR);
        offset("kvm_ioeventfd", "len", KvmStructs.IOEVENTFD_LEN);
        offset("kvm_ioeventfd", "fd", KvmStructs.IOEVENTFD_FD);
        offset("kvm_ioeventfd", "flags", KvmStructs.IOEVENTFD_FLAGS);

        size("kvm_irqfd", KvmStructs.KVM_IRQFD.byteSize());
        offset("kvm_irqfd", "fd", KvmStructs.IRQFD_FD);
        offset("kvm_irqfd", "gsi", KvmStructs.IRQFD_GSI);
        offset("kvm_irqfd", "flags", KvmStructs.IRQFD_FLAGS);

        size("kvm_pit_config", KvmStructs.KVM_PIT_CONFIG.byteSize());
        size("kvm_signal_mask", KvmStructs.KVM_SIGNAL_MASK.byteSize());
        offset("kvm_signal_mask", "len", KvmStructs.SIGNAL_MASK_LEN);
        offset("kvm_signal_mask", "sigset", KvmStructs.KVM_SIGNAL_MASK.byteSize());

        size("kvm_cpuid2", KvmStructs.KVM_CPUID2.byteSize());
        offset("kvm_cpuid2", "nent", KvmStructs.CPUID2_NENT);
        offset("kvm_cpuid2", "entries", KvmStructs.KVM_CPUID2.byteSize());
        size("kvm_cpuid_entry2", KvmStructs.KVM_CPUID_ENTRY2.byteSize());
        offset("kvm_cpuid_entry2", "function", KvmStructs.CPUID_ENTRY_FUNCTION);
        offset("kvm_cpuid_entry2", "ebx", KvmStructs.CPUID_ENTRY_EBX);
        offset("kvm_cpuid_entry2", "edx", KvmStructs.CPUID_ENTRY_EDX);

        size("kvm_irq_routing_irqchip", KvmStructs.KVM_IRQ_ROUTING_IRQCHIP_STRUCT.byteSize());
        size("kvm_irq_routing_msi", KvmStructs.KVM_IRQ_ROUTING_MSI_STRUCT.byteSize());
        size("kvm_irq_routing_entry", KvmStructs.KVM_IRQ_ROUTING_ENTRY.byteSize());
        offset("kvm_irq_routing_entry", "gsi", KvmStructs.ROUTE_GSI);
        offset("kvm_irq_routing_entry", "type", KvmStructs.ROUTE_TYPE);
        offset("kvm_irq_routing_entry", "flags", KvmStructs.ROUTE_FLAGS);
        offset("kvm_irq_routing_entry", "u.irqchip.irqchip", KvmStructs.ROUTE_IRQCHIP_IRQCHIP);
        offset("kvm_irq_routing_entry", "u.irqchip.pin", KvmStructs.ROUTE_IRQCHIP_PIN);
        offset("kvm_irq_routing_entry", "u.msi.address_lo", KvmStructs.ROUTE_MSI_ADDRESS_LO);
        offset("kvm_irq_routing_entry", "u.msi.address_hi", KvmStructs.ROUTE_MSI_ADDRESS_HI);
        offset("kvm_irq_routing_entry", "u.msi.data", KvmStructs.ROUTE_MSI_DATA);
        check("sizeof_kvm_irq_routing_entry.u", KvmStructs.KVM_IRQ_ROUTING_ENTRY.byteSize() - KvmStructs.ROUTE_IRQCHIP_IRQCHIP,
                "FIELD_SIZE(struct kvm_irq_routing_entry, u)");
        size("kvm_irq_routing", KvmStructs.KVM_IRQ_ROUTING.byteSize());
        offset("kvm_irq_routing", "nr", KvmStructs.IRQ_ROUTING_NR);
        offset("kvm_irq_routing", "flags", KvmStructs.IRQ_ROUTING_FLAGS);
        offset("kvm_irq_routing", "entries", KvmStructs.KVM_IRQ_ROUTING.byteSize());

        size("kvm_msr_entry", KvmStructs.KVM_MSR_ENTRY.byteSize());
        offset("kvm_msr_entry", "index", KvmStructs.MSR_ENTRY_INDEX);
        offset("kvm_msr_entry", "data", KvmStructs.MSR_ENTRY_DATA);
        size("kvm_msrs", KvmStructs.KVM_MSRS.byteSize());
        offset("kvm_msrs", "nmsrs", KvmStructs.MSRS_NMSRS);
        offset("kvm_msrs", "entries", KvmStructs.KVM_MSRS.byteSize());
        size("kvm_msr_list", KvmStructs.KVM_MSR_LIST.byteSize());
        offset("kvm_msr_list", "nmsrs", KvmStructs.MSR_LIST_NMSRS);
        offset("kvm_msr_list", "indices", KvmStructs.KVM_MSR_LIST.byteSize());

        Map<String, Long> kernel = probe.run();
        List<Executable> checks = new ArrayList<>();
        java.forEach((name, value) -> checks.add(() -> assertEquals(kernel.get(name), value,
                name + ": Java layout says " + value + ", <linux/kvm.h> says " + kernel.get(name))));
        assertAll(checks);
    }
}
