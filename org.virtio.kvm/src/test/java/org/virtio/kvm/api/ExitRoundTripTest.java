package org.virtio.kvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Level B, on the real /dev/kvm: the {@code exits} guest's 1000 OUTs and 1000 MMIO writes each reach the
 * handlers, and its 1000 writes to an ioeventfd'd address each signal the eventfd without an exit. Prints
 * the time per exit round trip (guest instruction, KVM_RUN return, Java dispatch, re-entry) as measured
 * from inside the handlers, for a cold first run and a third run (JIT-compiled loop); numbers only, no
 * assertion on them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExitRoundTripTest {
    private static final int N = 1000;

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void thousandsOfExitsArriveAndTheirCostIsReported() throws Exception {
        try (TestVm t = TestVm.withGuest("exits")) {
            EventFd notify = t.vm.ioEventFd(KvmVm.IoSpace.MMIO, TestVm.MMIO_ADDRESS + 0x1000, 4);
            for (int round = 1; round <= 3; round++) {
                t.vcpu.setRegisters(Registers.atEntry(TestVm.ENTRY, TestVm.STACK_TOP));
                runOnce(t, notify, round);
            }
        }
    }

    private static void runOnce(TestVm t, EventFd notify, int round) throws Exception {
        {
            long[] stamps = new long[3 * N];
            int[] counts = new int[3];
            class Timing implements PortIoHandler, MmioHandler {
                @Override
                public int in(int port, int size) {
                    return 0;
                }

                @Override
                public void out(int port, int size, int value) {
                    if (port == 0x80) {
                        stamps[counts[0]++] = System.nanoTime();
                    } else if (port == 0x3f8) {
                        stamps[2 * N + counts[2]++] = System.nanoTime();
                    }
                }

                @Override
                public long read(long address, int length) {
                    return 0;
                }

                @Override
                public void write(long address, int length, long value) {
                    stamps[N + counts[1]++] = System.nanoTime();
                }
            }
            Timing timing = new Timing();
            VcpuStop stop = t.vm.start(timing, timing).await(Duration.ofSeconds(30)).orElseThrow();
            assertEquals(VcpuStop.Reason.HALTED, stop.reason(), stop.message());
            assertEquals(N, counts[0], "PIO exits");
            assertEquals(N, counts[1], "MMIO exits");
            assertEquals(1, counts[2], "the final 'E'");
            assertEquals(N, notify.tryRead(), "ioeventfd signals");

            double pio = (stamps[N - 1] - stamps[0]) / 1000.0 / (N - 1);
            double mmio = (stamps[2 * N - 1] - stamps[N]) / 1000.0 / (N - 1);
            double ioeventfd = (stamps[2 * N] - stamps[2 * N - 1]) / 1000.0 / N;
            if (round != 2) {
                System.out.printf("exit round trip on %s, run %d: PIO %.1f us, MMIO %.1f us, MMIO write caught by"
                        + " ioeventfd %.1f us (each including the guest's loop instructions)%n",
                        TestGuests.hardwareVirtualisation() ? "hardware KVM" : "PVM", round, pio, mmio, ioeventfd);
            }
        }
    }
}
