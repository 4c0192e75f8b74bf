package org.virtio.kvm.internal;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every ioctl number and constant of {@link KvmIoctls} and {@link KvmStructs} against {@code <linux/kvm.h>}. */
class KvmIoctlsTest {

    @Test
    void ioctlNumbersMatchTheKernelHeader() throws Exception {
        Map<String, Long> java = new LinkedHashMap<>();
        java.put("KVMIO", (long) KvmIoctls.KVMIO);
        java.put("KVM_API_VERSION", (long) KvmIoctls.KVM_API_VERSION);
        java.put("KVM_GET_API_VERSION", KvmIoctls.KVM_GET_API_VERSION);
        java.put("KVM_CREATE_VM", KvmIoctls.KVM_CREATE_VM);
        java.put("KVM_CHECK_EXTENSION", KvmIoctls.KVM_CHECK_EXTENSION);
        java.put("KVM_GET_VCPU_MMAP_SIZE", KvmIoctls.KVM_GET_VCPU_MMAP_SIZE);
        java.put("KVM_GET_SUPPORTED_CPUID", KvmIoctls.KVM_GET_SUPPORTED_CPUID);
        java.put("KVM_CREATE_VCPU", KvmIoctls.KVM_CREATE_VCPU);
        java.put("KVM_SET_USER_MEMORY_REGION", KvmIoctls.KVM_SET_USER_MEMORY_REGION);
        java.put("KVM_CREATE_IRQCHIP", KvmIoctls.KVM_CREATE_IRQCHIP);
        java.put("KVM_IRQFD", KvmIoctls.KVM_IRQFD);
        java.put("KVM_CREATE_PIT2", KvmIoctls.KVM_CREATE_PIT2);
        java.put("KVM_IOEVENTFD", KvmIoctls.KVM_IOEVENTFD);
        java.put("KVM_RUN", KvmIoctls.KVM_RUN);
        java.put("KVM_GET_REGS", KvmIoctls.KVM_GET_REGS);
        java.put("KVM_SET_REGS", KvmIoctls.KVM_SET_REGS);
        java.put("KVM_GET_SREGS", KvmIoctls.KVM_GET_SREGS);
        java.put("KVM_SET_SREGS", KvmIoctls.KVM_SET_SREGS);
        java.put("KVM_SET_SIGNAL_MASK", KvmIoctls.KVM_SET_SIGNAL_MASK);
        java.put("KVM_SET_CPUID2", KvmIoctls.KVM_SET_CPUID2);
        java.put("KVM_GET_MSR_INDEX_LIST", KvmIoctls.KVM_GET_MSR_INDEX_LIST);
        java.put("KVM_SET_GSI_ROUTING", KvmIoctls.KVM_SET_GSI_ROUTING);
        java.put("KVM_GET_MSRS", KvmIoctls.KVM_GET_MSRS);
        java.put("KVM_SET_MSRS", KvmIoctls.KVM_SET_MSRS);
        java.put("KVM_IRQ_ROUTING_IRQCHIP", (long) KvmStructs.KVM_IRQ_ROUTING_IRQCHIP);
        java.put("KVM_IRQ_ROUTING_MSI", (long) KvmStructs.KVM_IRQ_ROUTING_MSI);
        java.put("KVM_IRQCHIP_PIC_MASTER", (long) KvmStructs.KVM_IRQCHIP_PIC_MASTER);
        java.put("KVM_IRQCHIP_PIC_SLAVE", (long) KvmStructs.KVM_IRQCHIP_PIC_SLAVE);
        java.put("KVM_IRQCHIP_IOAPIC", (long) KvmStructs.KVM_IRQCHIP_IOAPIC);
        java.put("KVM_CAP_NR_VCPUS", (long) KvmIoctls.KVM_CAP_NR_VCPUS);
        java.put("KVM_CAP_MAX_VCPUS", (long) KvmIoctls.KVM_CAP_MAX_VCPUS);
        java.put("KVM_MEM_READONLY", (long) KvmStructs.KVM_MEM_READONLY);
        java.put("KVM_EXIT_IO_IN", (long) KvmStructs.KVM_EXIT_IO_IN);
        java.put("KVM_EXIT_IO_OUT", (long) KvmStructs.KVM_EXIT_IO_OUT);
        java.put("KVM_IOEVENTFD_FLAG_DATAMATCH", (long) KvmStructs.KVM_IOEVENTFD_FLAG_DATAMATCH);
        java.put("KVM_IOEVENTFD_FLAG_PIO", (long) KvmStructs.KVM_IOEVENTFD_FLAG_PIO);
        java.put("KVM_IOEVENTFD_FLAG_DEASSIGN", (long) KvmStructs.KVM_IOEVENTFD_FLAG_DEASSIGN);
        java.put("KVM_IRQFD_FLAG_DEASSIGN", (long) KvmStructs.KVM_IRQFD_FLAG_DEASSIGN);

        KernelHeaderProbe probe = new KernelHeaderProbe();
        java.keySet().forEach(name -> probe.add(name, name));
        Map<String, Long> kernel = probe.run();

        List<Executable> checks = new ArrayList<>();
        java.forEach((name, value) -> checks.add(() -> assertEquals(kernel.get(name), value,
                name + ": Java 0x" + Long.toHexString(value) + ", <linux/kvm.h> 0x" + Long.toHexString(kernel.get(name)))));
        assertAll(checks);
    }

    @Test
    void exitReasonNamesMatchTheKernelHeader() throws Exception {
        String[] names = {"KVM_EXIT_UNKNOWN", "KVM_EXIT_EXCEPTION", "KVM_EXIT_IO", "KVM_EXIT_HYPERCALL",
            "KVM_EXIT_DEBUG", "KVM_EXIT_HLT", "KVM_EXIT_MMIO", "KVM_EXIT_IRQ_WINDOW_OPEN", "KVM_EXIT_SHUTDOWN",
            "KVM_EXIT_FAIL_ENTRY", "KVM_EXIT_INTR", "KVM_EXIT_SET_TPR", "KVM_EXIT_TPR_ACCESS", "KVM_EXIT_NMI",
            "KVM_EXIT_INTERNAL_ERROR", "KVM_EXIT_SYSTEM_EVENT", "KVM_EXIT_IOAPIC_EOI", "KVM_EXIT_X86_RDMSR",
            "KVM_EXIT_X86_WRMSR", "KVM_EXIT_X86_BUS_LOCK", "KVM_EXIT_NOTIFY"};
        KernelHeaderProbe probe = new KernelHeaderProbe();
        for (String n : names) {
            probe.add(n, n);
        }
        Map<String, Long> kernel = probe.run();
        List<Executable> checks = new ArrayList<>();
        for (String n : names) {
            checks.add(() -> assertEquals(n, VcpuLoop.exitName(kernel.get(n).intValue()), "exit reason " + kernel.get(n)));
        }
        assertAll(checks);
    }
}
