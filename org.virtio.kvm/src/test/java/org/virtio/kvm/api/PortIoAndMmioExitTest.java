package org.virtio.kvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Level B, on the real /dev/kvm: the {@code io} guest's OUT bytes, MMIO write and read, and IN reach the
 * handlers in order with the right port, size, address, length and data; the values the handlers return
 * reach the guest (it echoes them); the run loop ends on HLT.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PortIoAndMmioExitTest {
    static final List<String> IO_GUEST_EXITS = List.of(
            "out 0x3f8/1 0x4f", "out 0x3f8/1 0x4b", "out 0x3f8/1 0xa",
            "mmio-write 0x10000000/4 0x12345678",
            "mmio-read 0x10000008/4",
            "out 0x3fc/4 0xcafef00d",
            "in 0x3fd/1",
            "out 0x3fe/1 0x5a");

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void guestOutputMmioAndHaltArriveInOrder() throws Exception {
        try (TestVm t = TestVm.withGuest("io")) {
            ExitLog log = new ExitLog();
            VmRun run = t.vm.start(log, log);
            VcpuStop stop = run.await(Duration.ofSeconds(20))
                    .orElseThrow(() -> new AssertionError("the guest did not halt within 20 s; exits so far " + log.lines()));

            assertEquals(VcpuStop.Reason.HALTED, stop.reason(), stop.message());
            assertEquals("OK\n", log.uart());
            assertEquals(IO_GUEST_EXITS, log.lines());
            assertFalse(run.isRunning());
            assertEquals(List.of(stop), run.vcpuStops());
            assertTrue(stop.message().contains("KVM_EXIT_HLT"), stop.message());

            // The vCPU stopped just past the HLT, the last instruction, still in long mode.
            Registers regs = t.vcpu.registers();
            SpecialRegisters sregs = t.vcpu.specialRegisters();
            assertEquals(TestVm.ENTRY + TestGuests.binary("io").length, regs.rip());
            assertEquals(LongMode.EFER_LME | LongMode.EFER_LMA, sregs.efer() & (LongMode.EFER_LME | LongMode.EFER_LMA));
            assertTrue(sregs.cs().l(), "CS.L");
        }
    }

    @Test
    void aHaltedVmRunsAgainFromWhereItStopped() throws Exception {
        try (TestVm t = TestVm.withGuest("io")) {
            ExitLog log = new ExitLog();
            assertEquals(VcpuStop.Reason.HALTED, t.vm.start(log, log).await(Duration.ofSeconds(20)).orElseThrow().reason());
            // Point the vCPU back at the entry and run again: the same exits once more.
            Registers regs = t.vcpu.registers();
            t.vcpu.setRegisters(Registers.atEntry(TestVm.ENTRY, regs.rsp()));
            VcpuStop again = t.vm.start(log, log).await(Duration.ofSeconds(20)).orElseThrow();
            assertEquals(VcpuStop.Reason.HALTED, again.reason(), again.message());
            assertEquals(2 * IO_GUEST_EXITS.size(), log.lines().size());
            assertEquals("OK\nOK\n", log.uart());
        }
    }
}
