package org.virtio.kvm.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.virtio.kvm.api.TestGuests;
import org.virtio.kvm.api.TestVm;
import org.virtio.kvm.api.VcpuStop;
import org.virtio.kvm.api.VmRun;

/**
 * Level B, on the real /dev/kvm: the {@code legacy} guest programs the 16550 on a {@link PortIoBus},
 * prints through it polling LSR.THRE, reads the CMOS seconds and resets through the i8042, whose
 * callback stops the run.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LegacyDevicesOnKvmTest {

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void guestPrintsReadsTheClockAndResetsThroughTheI8042() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Clock clock = Clock.fixed(Instant.parse("2026-11-26T13:45:37Z"), ZoneOffset.UTC);
        AtomicReference<VmRun> running = new AtomicReference<>();
        PortIoBus bus = new PortIoBus();
        Serial16550 uart = new Serial16550(Serial16550.COM1, console, InterruptLine.NONE).attach(bus);
        I8042 i8042 = new I8042(() -> {
            // On the vCPU thread; start() may not have returned yet.
            VmRun run;
            while ((run = running.get()) == null) {
                Thread.onSpinWait();
            }
            run.stop();
        }).attach(bus);
        new Cmos(clock).attach(bus);
        MmioBus mmio = new MmioBus();

        try (TestVm t = TestVm.withGuest("legacy")) {
            running.set(t.vm.start(bus, mmio));
            VcpuStop stop = running.get().await(Duration.ofSeconds(30))
                    .orElseThrow(() -> new AssertionError("the guest did not reset within 30 s; console so far: "
                            + console.toString(StandardCharsets.US_ASCII)));

            assertEquals(VcpuStop.Reason.STOPPED, stop.reason(), stop.message());
            assertEquals("Hello from 16550\n", console.toString(StandardCharsets.US_ASCII));
            assertEquals(1, uart.divisor());
            assertEquals(115_200, uart.baudRate());
            assertEquals(0x03, uart.lineControl());
            assertEquals(0x01, uart.interruptEnable());
            assertEquals(0x37, uart.scratch(), "CMOS seconds in BCD, as the guest read them");
            assertEquals(1, i8042.resets());
            assertEquals(0, bus.unclaimedReads() + bus.unclaimedWrites());
        }
    }
}
