package org.virtio.kvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Level B, on the real /dev/kvm: signalling an irqfd raises the interrupt line in the in-kernel irqchip,
 * and the guest, halted with interrupts on, runs its handler (which reports over port I/O).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IrqFdTest {

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void anIrqFdSignalReachesTheGuestsInterruptHandler() throws Exception {
        try (TestVm t = TestVm.withGuest("irq", true)) {
            EventFd irq4 = t.vm.irqFd(4);
            ExitLog log = new ExitLog();
            VmRun run = t.vm.start(log, log);
            // The guest programs the PIC (in-kernel, no exits), then says 'R' on the UART port.
            assertTrue(waitForUart(log, "R", 20_000), "guest not ready: " + log.uart());
            irq4.signal();
            assertTrue(waitForUart(log, "RI", 10_000), "first interrupt not handled: " + log.uart());
            irq4.signal();
            assertTrue(waitForUart(log, "RII", 10_000), "second interrupt not handled: " + log.uart());
            run.stop();
            VcpuStop stop = run.await(Duration.ofSeconds(10)).orElseThrow();
            assertEquals(VcpuStop.Reason.STOPPED, stop.reason(), stop.message());
            irq4.close();
        }
    }

    private static boolean waitForUart(ExitLog log, String text, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            if (log.uart().equals(text)) {
                return true;
            }
            Thread.sleep(1);
        }
        return log.uart().equals(text);
    }
}
