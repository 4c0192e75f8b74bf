package org.virtio.kvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Level B, on the real /dev/kvm: a guest KVM cannot go on with stops its VM with a message naming the
 * exit reason and the registers, a throwing handler stops the VM the same way, bogus special registers are
 * refused by KVM_SET_SREGS with the reason — and in every case the JVM goes on to run the next guest.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GuestFailureTest {

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void anInstructionKvmCannotHandleStopsTheVmWithExitReasonAndRegisters() throws Exception {
        try (TestVm t = TestVm.withGuest("int3")) {
            ExitLog log = new ExitLog();
            VmRun run = t.vm.start(log, log);
            VcpuStop stop = run.await(Duration.ofSeconds(20)).orElseThrow(() -> new AssertionError("no stop within 20 s"));
            String m = stop.message();
            assertEquals("X", log.uart(), "the guest ran up to the int3");
            long int3 = TestVm.ENTRY + 7; // after mov $0x3f8,%dx (4 bytes), mov $'X',%al (2), out (1)
            if (TestGuests.hardwareVirtualisation()) {
                // int3 with no IDT: #BP -> #GP -> double fault -> triple fault
                assertEquals(VcpuStop.Reason.SHUTDOWN, stop.reason(), m);
                assertTrue(m.contains("KVM_EXIT_SHUTDOWN"), m);
            } else {
                // PVM emulates CPL0 code, and its emulator cannot emulate int3 (ENVIRONMENT.md, measured)
                assertEquals(VcpuStop.Reason.INTERNAL_ERROR, stop.reason(), m);
                assertTrue(stop.failed());
                assertTrue(m.contains("KVM_EXIT_INTERNAL_ERROR (17)"), m);
                assertTrue(m.contains("suberror 1 (instruction emulation failed)"), m);
                assertTrue(m.contains("instruction bytes cc f4"), m);
                assertTrue(m.contains("rip=0x" + Long.toHexString(int3)), m);
            }
            for (String register : new String[] {"rip=0x", "rsp=0x8000", "cr0=0x80000011", "cr3=0x9000", "cr4=0x20",
                "efer=0x500", "cs=0x8 (base 0x0 L=1"}) {
                assertTrue(m.contains(register), "message names " + register + ": " + m);
            }
            assertTrue(m.startsWith("vCPU 0: "), m);
        }
        assertTheJvmStillRunsGuests();
    }

    @Test
    void aStackSegmentTheCpuCannotUseStopsTheVmWithExitReasonAndRegisters() throws Exception {
        try (TestVm t = TestVm.withGuest("io")) {
            SpecialRegisters s = t.vcpu.specialRegisters();
            SpecialRegisters.Segment ss = s.ss();
            // SS.DPL 3 with CPL 0: KVM_SET_SREGS takes it, but no CPU can run it. Measured on PVM: the
            // first instruction ends in KVM_EXIT_SHUTDOWN; VMX refuses the VM entry (KVM_EXIT_FAIL_ENTRY).
            t.vcpu.setSpecialRegisters(new SpecialRegisters(s.cs(), s.ds(), s.es(), s.fs(), s.gs(),
                    new SpecialRegisters.Segment(ss.base(), ss.limit(), ss.selector(), ss.type(), ss.present(), 3,
                            ss.db(), ss.s(), ss.l(), ss.g(), ss.avl(), ss.unusable()),
                    s.tr(), s.ldt(), s.gdt(), s.idt(), s.cr0(), s.cr2(), s.cr3(), s.cr4(), s.cr8(), s.efer(), s.apicBase()));
            ExitLog log = new ExitLog();
            VcpuStop stop = t.vm.start(log, log).await(Duration.ofSeconds(20)).orElseThrow();
            String m = stop.message();
            if (TestGuests.hardwareVirtualisation()) {
                assertTrue(stop.reason() == VcpuStop.Reason.FAIL_ENTRY || stop.reason() == VcpuStop.Reason.SHUTDOWN, m);
            } else {
                assertEquals(VcpuStop.Reason.SHUTDOWN, stop.reason(), m);
                assertTrue(m.contains("KVM_EXIT_SHUTDOWN (8)"), m);
                assertTrue(m.contains("rip=0x" + Long.toHexString(TestVm.ENTRY)), m);
            }
            assertTrue(m.contains("cr3=0x9000") && m.contains("efer=0x500") && m.contains("cs=0x8"), m);
            assertEquals(List.of(), log.lines(), "not one guest instruction completed");
        }
        assertTheJvmStillRunsGuests();
    }

    @Test
    void aThrowingHandlerStopsTheVmAndNamesTheExit() throws Exception {
        try (TestVm t = TestVm.withGuest("io")) {
            ExitLog log = new ExitLog();
            MmioHandler failing = new MmioHandler() {
                @Override
                public long read(long address, int length) {
                    return 0;
                }

                @Override
                public void write(long address, int length, long value) {
                    throw new IllegalStateException("device model bug");
                }
            };
            VcpuStop stop = t.vm.start(log, failing).await(Duration.ofSeconds(20)).orElseThrow();
            assertEquals(VcpuStop.Reason.HANDLER_FAILED, stop.reason(), stop.message());
            assertTrue(stop.message().contains("MmioHandler.write(0x10000000, length 4) on KVM_EXIT_MMIO (6) threw "
                    + "java.lang.IllegalStateException: device model bug"), stop.message());
            assertTrue(stop.message().contains("rip=0x" + Long.toHexString(TestVm.ENTRY + 0x18)), stop.message());
            assertEquals("OK\n", log.uart());
        }
        assertTheJvmStillRunsGuests();
    }

    @Test
    void bogusSpecialRegistersAreRefusedWithTheReason() throws Exception {
        try (TestVm t = TestVm.withGuest("io")) {
            SpecialRegisters s = t.vcpu.specialRegisters();
            // CR0.PG without CR0.PE is invalid on every x86 CPU.
            SpecialRegisters bogus = new SpecialRegisters(s.cs(), s.ds(), s.es(), s.fs(), s.gs(), s.ss(), s.tr(), s.ldt(),
                    s.gdt(), s.idt(), LongMode.CR0_PG, s.cr2(), s.cr3(), s.cr4(), s.cr8(), s.efer(), s.apicBase());
            KvmException e = assertThrows(KvmException.class, () -> t.vcpu.setSpecialRegisters(bogus));
            assertEquals(KvmError.IOCTL_FAILED, e.error());
            assertEquals(22, e.errno());
            assertTrue(e.getMessage().contains("KVM_SET_SREGS on vCPU 0: EINVAL"), e.getMessage());
            assertEquals(s, t.vcpu.specialRegisters(), "the refused registers did not change the vCPU");
        }
    }

    @Test
    void registersCannotBeTouchedWhileTheVmRuns() throws Exception {
        try (TestVm t = TestVm.withGuest("spin")) {
            ExitLog log = new ExitLog();
            VmRun run = t.vm.start(log, log);
            assertTrue(log.awaitLines(1, 20_000), "the guest did not start");
            KvmException e = assertThrows(KvmException.class, t.vcpu::registers);
            assertEquals(KvmError.INVALID_STATE, e.error(), e.getMessage());
            assertThrows(KvmException.class, () -> t.vm.start(log, log));
            run.stop();
            assertEquals(VcpuStop.Reason.STOPPED, run.await(Duration.ofSeconds(10)).orElseThrow().reason());
        }
    }

    /** A failed guest must leave the process able to run the next one. */
    private static void assertTheJvmStillRunsGuests() throws Exception {
        try (TestVm t = TestVm.withGuest("io")) {
            ExitLog log = new ExitLog();
            VcpuStop stop = t.vm.start(log, log).await(Duration.ofSeconds(20)).orElseThrow();
            assertEquals(VcpuStop.Reason.HALTED, stop.reason(), stop.message());
            assertEquals(PortIoAndMmioExitTest.IO_GUEST_EXITS, log.lines());
        }
    }
}
