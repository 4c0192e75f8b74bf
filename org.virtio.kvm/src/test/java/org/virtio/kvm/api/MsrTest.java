package org.virtio.kvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Level B, on the real /dev/kvm: KVM_GET_MSR_INDEX_LIST, KVM_SET_MSRS and KVM_GET_MSRS with the boot MSRs,
 * and the error for an MSR KVM does not know.
 *
 * <p>Measured on this host's PVM (no VMX/SVM): KVM_GET_MSR_INDEX_LIST has 40 entries (SYSENTER, STAR/LSTAR/
 * CSTAR/SYSCALL_MASK/KERNEL_GS_BASE, TSC, PAT, MISC_ENABLE, TSC_AUX, ARCH_CAPABILITIES, the kvmclock and
 * other KVM paravirtual MSRs, ...); every one of them reads and writes back. All {@link BootMsrs} are
 * accepted and read back, IA32_MTRR_DEF_TYPE too although it is not in the list. Refused: only
 * IA32_FEATURE_CONTROL (0x3a), as expected without VMX. IA32_MISC_ENABLE already reads 1 (fast strings)
 * on a new vCPU.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MsrTest {
    /** Not an architectural MSR: KVM refuses it (Firecracker's test uses the same index). */
    private static final int UNKNOWN_MSR = 0x2;

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void theIndexListNamesTheSyscallMsrs() throws Exception {
        try (Kvm kvm = Kvm.open()) {
            int[] list = kvm.msrIndexList();
            assertTrue(list.length > 0, "KVM_GET_MSR_INDEX_LIST is empty");
            assertTrue(Arrays.stream(list).anyMatch(i -> i == BootMsrs.LSTAR), "no LSTAR in " + hex(list));
        }
    }

    @Test
    void bootMsrsRoundTrip() throws Exception {
        try (Kvm kvm = Kvm.open(); KvmVm vm = kvm.createVm()) {
            KvmVcpu vcpu = vm.createVcpu(0);
            // Non-zero values first, so the round trip shows the boot values were really written.
            Map<Integer, Long> dirty = new LinkedHashMap<>();
            dirty.put(BootMsrs.LSTAR, 0xffff_ffff_8100_0000L);
            dirty.put(BootMsrs.IA32_SYSENTER_EIP, 0x1234L);
            vcpu.setMsrs(dirty);
            assertEquals(dirty, vcpu.getMsrs(BootMsrs.LSTAR, BootMsrs.IA32_SYSENTER_EIP));

            BootMsrs.apply(vcpu);
            int[] indices = BootMsrs.values().keySet().stream().mapToInt(Integer::intValue).toArray();
            Map<Integer, Long> read = vcpu.getMsrs(indices);
            assertEquals(BootMsrs.values().keySet(), read.keySet());
            for (Map.Entry<Integer, Long> e : BootMsrs.values().entrySet()) {
                if (e.getKey() == BootMsrs.IA32_TSC) {
                    // the TSC counts on from 0: only check it was reset (well below the host's uptime count)
                    assertTrue(Long.compareUnsigned(read.get(e.getKey()), 1L << 50) < 0, "TSC " + read.get(e.getKey()));
                } else {
                    assertEquals(e.getValue(), read.get(e.getKey()), "MSR 0x" + Integer.toHexString(e.getKey()));
                }
            }
        }
    }

    @Test
    void anUnknownMsrIsAClearError() throws Exception {
        try (Kvm kvm = Kvm.open(); KvmVm vm = kvm.createVm()) {
            KvmVcpu vcpu = vm.createVcpu(0);
            Map<Integer, Long> values = new LinkedHashMap<>();
            values.put(BootMsrs.STAR, 0L);
            values.put(UNKNOWN_MSR, 0L);
            KvmException set = assertThrows(KvmException.class, () -> vcpu.setMsrs(values));
            assertEquals(KvmError.MSR_REFUSED, set.error());
            assertTrue(set.getMessage().contains("set 1 of 2") && set.getMessage().contains("0x2 "), set.getMessage());
            KvmException get = assertThrows(KvmException.class, () -> vcpu.getMsrs(UNKNOWN_MSR));
            assertEquals(KvmError.MSR_REFUSED, get.error());
            assertEquals(KvmError.INVALID_ARGUMENT, assertThrows(KvmException.class, () -> vcpu.getMsrs()).error());
            assertEquals(KvmError.INVALID_ARGUMENT, assertThrows(KvmException.class, () -> vcpu.setMsrs(Map.of())).error());
        }
    }

    private static String hex(int[] list) {
        return Arrays.stream(list).mapToObj(Integer::toHexString).toList().toString();
    }
}
