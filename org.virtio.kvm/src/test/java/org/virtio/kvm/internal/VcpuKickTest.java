package org.virtio.kvm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.virtio.kvm.api.ExitLog;
import org.virtio.kvm.api.TestGuests;
import org.virtio.kvm.api.TestVm;
import org.virtio.kvm.api.VcpuStop;
import org.virtio.kvm.api.VmRun;

/**
 * Level B, on the real /dev/kvm: kicks without a stop request (KVM_RUN returns EINTR) are retried, so the
 * guest keeps running, and a stop after them still works: no kick is left pending to confuse the next run.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VcpuKickTest {

    @Test
    void kvmRunInterruptedWithoutAStopRequestGoesOn() throws Exception {
        TestGuests.assumeKvm();
        try (TestVm t = TestVm.withGuest("spin")) {
            ExitLog log = new ExitLog();
            VmRun run = t.vm.start(log, log);
            assertTrue(log.awaitLines(1, 20_000), "the guest did not start");
            KvmVcpuImpl vcpu = (KvmVcpuImpl) t.vcpu;
            for (int i = 0; i < 100; i++) {
                vcpu.kick(); // EINTR out of KVM_RUN, no stop requested
                Thread.sleep(1);
            }
            assertFalse(run.await(Duration.ofMillis(200)).isPresent(), "the vCPU went back into the guest");
            assertTrue(run.isRunning());
            assertEquals(1, log.lines().size(), "the guest did not restart: " + log.lines());
            run.stop();
            VcpuStop stop = run.await(Duration.ofSeconds(10)).orElseThrow(() -> new AssertionError("not stopped in 10 s"));
            assertEquals(VcpuStop.Reason.STOPPED, stop.reason(), stop.message());

            // A second run of the same vCPU on a new thread: no leftover kick ends it early.
            VmRun again = t.vm.start(log, log);
            assertFalse(again.await(Duration.ofMillis(200)).isPresent(), "the second run goes on spinning");
            again.stop();
            assertEquals(VcpuStop.Reason.STOPPED, again.await(Duration.ofSeconds(10)).orElseThrow().reason());
        }
    }
}
