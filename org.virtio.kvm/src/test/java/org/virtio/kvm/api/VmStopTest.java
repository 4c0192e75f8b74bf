package org.virtio.kvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Level B, on the real /dev/kvm: a VM whose vCPU is inside KVM_RUN — spinning in guest code, or halted
 * in the kernel with an irqchip — stops when another thread asks, when a handler on the vCPU thread
 * asks, and when the VM is closed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VmStopTest {

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void aSpinningGuestStopsWhenAnotherThreadAsks() throws Exception {
        try (TestVm t = TestVm.withGuest("spin")) {
            ExitLog log = new ExitLog();
            VmRun run = t.vm.start(log, log);
            assertTrue(log.awaitLines(1, 20_000), "the guest did not start");
            assertFalse(run.await(Duration.ofMillis(200)).isPresent(), "the guest spins");
            long t0 = System.nanoTime();
            run.stop();
            VcpuStop stop = run.await(Duration.ofSeconds(10)).orElseThrow(() -> new AssertionError("not stopped in 10 s"));
            long micros = (System.nanoTime() - t0) / 1000;
            System.out.printf("stop of a vCPU spinning in KVM_RUN took %d us%n", micros);
            assertEquals(VcpuStop.Reason.STOPPED, stop.reason(), stop.message());
            assertEquals("vCPU 0: stopped on request", stop.message());
            assertFalse(run.isRunning());
        }
    }

    @Test
    void aHandlerStopsTheVmFromTheVcpuThread() throws Exception {
        try (TestVm t = TestVm.withGuest("spin")) {
            CompletableFuture<VmRun> self = new CompletableFuture<>();
            ExitLog log = new ExitLog() {
                @Override
                public synchronized void out(int port, int size, int value) {
                    super.out(port, size, value);
                    self.join().stop();
                }
            };
            VmRun run = t.vm.start(log, log);
            self.complete(run);
            VcpuStop stop = run.await(Duration.ofSeconds(20)).orElseThrow(() -> new AssertionError("not stopped in 20 s"));
            assertEquals(VcpuStop.Reason.STOPPED, stop.reason(), stop.message());
            assertEquals("S", log.uart());
        }
    }

    @Test
    void aGuestHaltedInTheKernelStops() throws Exception {
        try (TestVm t = TestVm.withGuest("io", true)) {
            ExitLog log = new ExitLog();
            VmRun run = t.vm.start(log, log);
            assertTrue(log.awaitLines(PortIoAndMmioExitTest.IO_GUEST_EXITS.size(), 20_000), "exits " + log.lines());
            // With the in-kernel irqchip, HLT waits in the kernel for an interrupt: no exit, the run goes on.
            assertFalse(run.await(Duration.ofMillis(300)).isPresent(), "HLT with an irqchip does not exit");
            run.stop();
            VcpuStop stop = run.await(Duration.ofSeconds(10)).orElseThrow(() -> new AssertionError("not stopped in 10 s"));
            assertEquals(VcpuStop.Reason.STOPPED, stop.reason(), stop.message());
        }
    }

    @Test
    void closingARunningVmStopsIt() throws Exception {
        VmRun run;
        ExitLog log = new ExitLog();
        try (TestVm t = TestVm.withGuest("spin")) {
            run = t.vm.start(log, log);
            assertTrue(log.awaitLines(1, 20_000), "the guest did not start");
        }
        Optional<VcpuStop> stop = run.await(Duration.ZERO);
        assertTrue(stop.isPresent(), "close() returned before the vCPU thread ended");
        assertEquals(VcpuStop.Reason.STOPPED, stop.get().reason());
    }

    @Test
    void twoVcpusRunOnTheirOwnThreadsAndTheVmEndsWhenBothHalt() throws Exception {
        try (TestVm t = TestVm.withGuest("io")) {
            KvmVcpu second = t.vm.createVcpu(1);
            LongMode.enter(second, t.ram, TestVm.ENTRY, TestVm.STACK_TOP - 0x1000);
            ExitLog log = new ExitLog();
            VmRun run = t.vm.start(log, log);
            VcpuStop last = run.await(Duration.ofSeconds(20)).orElseThrow(() -> new AssertionError("not halted in 20 s"));
            assertEquals(VcpuStop.Reason.HALTED, last.reason());
            assertEquals(2, run.vcpuStops().size());
            assertEquals(2 * PortIoAndMmioExitTest.IO_GUEST_EXITS.size(), log.lines().size());
            assertEquals(Set.of(0, 1), run.vcpuStops().stream().map(VcpuStop::vcpu)
                    .collect(Collectors.toSet()));
        }
    }
}
