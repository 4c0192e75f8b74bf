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
import org.virtio.kvm.api.GsiRoute.Chip;

/**
 * Level B, on the real /dev/kvm: KVM_SET_GSI_ROUTING. A GSI outside the default table (30), routed to
 * master PIC pin 4, reaches the {@code irq} guest's handler through an irqfd; an MSI route is accepted.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GsiRoutingTest {
    private static final int NEW_GSI = 30;

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void anIrqFdOnANewlyRoutedGsiReachesTheGuest() throws Exception {
        try (TestVm t = TestVm.withGuest("irq", true)) {
            assertEquals(GsiRoute.defaultRouting(), t.vm.gsiRouting());
            List<GsiRoute> routes = GsiRoute.defaultRouting();
            routes.add(new GsiRoute.Irqchip(NEW_GSI, Chip.PIC_MASTER, 4));
            t.vm.setGsiRouting(routes);
            assertEquals(routes, t.vm.gsiRouting());
            EventFd irq = t.vm.irqFd(NEW_GSI);
            ExitLog log = new ExitLog();
            VmRun run = t.vm.start(log, log);
            assertTrue(waitForUart(log, "R", 20_000), "guest not ready: " + log.uart());
            irq.signal();
            assertTrue(waitForUart(log, "RI", 10_000), "interrupt on GSI " + NEW_GSI + " not handled: " + log.uart());
            irq.signal();
            assertTrue(waitForUart(log, "RII", 10_000), "second interrupt not handled: " + log.uart());
            run.stop();
            VcpuStop stop = run.await(Duration.ofSeconds(10)).orElseThrow();
            assertEquals(VcpuStop.Reason.STOPPED, stop.reason(), stop.message());
        }
    }

    @Test
    void kvmAcceptsAnMsiRouteAndAnIrqFdOnIt() throws Exception {
        try (Kvm kvm = Kvm.open(); KvmVm vm = kvm.createVm()) {
            vm.createIrqchip();
            List<GsiRoute> routes = GsiRoute.defaultRouting();
            // fixed delivery, vector 0x41, to APIC ID 0
            routes.add(new GsiRoute.Msi(24, GsiRoute.Msi.ADDRESS_WINDOW, 0x41));
            vm.setGsiRouting(routes);
            try (EventFd msi = vm.irqFd(24)) {
                msi.signal();
            }
            assertEquals(routes, vm.gsiRouting());
        }
    }

    @Test
    void routingNeedsTheIrqchipAndValidTables() throws Exception {
        try (Kvm kvm = Kvm.open(); KvmVm vm = kvm.createVm()) {
            assertEquals(List.of(), vm.gsiRouting());
            KvmException e = assertThrows(KvmException.class, () -> vm.setGsiRouting(GsiRoute.defaultRouting()));
            assertEquals(KvmError.INVALID_STATE, e.error());
            vm.createIrqchip();
            List<GsiRoute> twice = GsiRoute.defaultRouting();
            twice.add(new GsiRoute.Irqchip(4, Chip.IOAPIC, 5));
            e = assertThrows(KvmException.class, () -> vm.setGsiRouting(twice));
            assertEquals(KvmError.INVALID_ARGUMENT, e.error());
            assertEquals(GsiRoute.defaultRouting(), vm.gsiRouting(), "a refused table leaves the old one");
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
