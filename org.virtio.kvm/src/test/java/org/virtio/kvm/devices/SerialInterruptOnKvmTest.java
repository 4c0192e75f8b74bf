package org.virtio.kvm.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.virtio.kvm.api.EventFd;
import org.virtio.kvm.api.TestGuests;
import org.virtio.kvm.api.TestVm;
import org.virtio.kvm.api.VcpuStop;
import org.virtio.kvm.api.VmRun;

/**
 * Level B, on the real /dev/kvm: bytes the host queues on the 16550 raise its receive interrupt
 * through {@link InterruptLine#irqFd} (a level mapped to irqfd edges) into the in-kernel PIC; the
 * {@code uart_echo} guest's IRQ 4 handler drains them and echoes them back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SerialInterruptOnKvmTest {

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void hostInputReachesTheGuestThroughTheReceiveInterrupt() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (TestVm t = TestVm.withGuest("uart_echo", true)) {
            EventFd irq4 = t.vm.irqFd(Serial16550.COM1_IRQ);
            PortIoBus bus = new PortIoBus();
            Serial16550 uart = new Serial16550(Serial16550.COM1, console, InterruptLine.irqFd(irq4)).attach(bus);
            VmRun run = t.vm.start(bus, new MmioBus());

            assertTrue(waitFor(console, "R", 20_000), "guest not ready: " + text(console));
            assertEquals(1, uart.receive("x".getBytes(StandardCharsets.US_ASCII), 0, 1));
            assertTrue(waitFor(console, "Rx", 10_000), "first byte not echoed: " + text(console));
            byte[] more = "yz!".getBytes(StandardCharsets.US_ASCII);
            assertEquals(3, uart.receive(more, 0, more.length));
            assertTrue(waitFor(console, "Rxyz!", 10_000), "burst not echoed: " + text(console));
            assertEquals(0, uart.pendingInput());

            run.stop();
            VcpuStop stop = run.await(Duration.ofSeconds(10)).orElseThrow();
            assertEquals(VcpuStop.Reason.STOPPED, stop.reason(), stop.message());
            assertEquals(0, bus.unclaimedReads() + bus.unclaimedWrites());
            irq4.close();
        }
    }

    private static String text(ByteArrayOutputStream console) {
        synchronized (console) {
            return console.toString(StandardCharsets.US_ASCII);
        }
    }

    private static boolean waitFor(ByteArrayOutputStream console, String expected, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            if (text(console).equals(expected)) {
                return true;
            }
            Thread.sleep(1);
        }
        return text(console).equals(expected);
    }
}
