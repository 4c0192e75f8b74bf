package org.virtio.kvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Level B, on the real /dev/kvm: a guest write that an ioeventfd covers signals the eventfd in the
 * kernel and causes no exit; one it does not cover (datamatch differs) still exits.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IoEventFdTest {

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    private static List<String> withoutLine(String line) {
        List<String> expected = new ArrayList<>(PortIoAndMmioExitTest.IO_GUEST_EXITS);
        expected.remove(line);
        return expected;
    }

    @Test
    void mmioWriteSignalsTheEventFdWithoutAnExit() throws Exception {
        try (TestVm t = TestVm.withGuest("io")) {
            EventFd notify = t.vm.ioEventFd(KvmVm.IoSpace.MMIO, TestVm.MMIO_ADDRESS, 4);
            assertEquals(0, notify.tryRead());
            ExitLog log = new ExitLog();
            VcpuStop stop = t.vm.start(log, log).await(Duration.ofSeconds(20)).orElseThrow();

            assertEquals(VcpuStop.Reason.HALTED, stop.reason(), stop.message());
            assertEquals(withoutLine("mmio-write 0x10000000/4 0x12345678"), log.lines());
            assertEquals(1, notify.tryRead(), "eventfd counter after one guest write");
            assertEquals(0, notify.tryRead(), "reading resets the counter");
        }
    }

    @Test
    void datamatchDecidesWhetherTheWriteExits() throws Exception {
        try (TestVm t = TestVm.withGuest("io")) {
            EventFd other = t.vm.ioEventFd(KvmVm.IoSpace.MMIO, TestVm.MMIO_ADDRESS, 4, 0x1L);
            ExitLog log = new ExitLog();
            t.vm.start(log, log).await(Duration.ofSeconds(20)).orElseThrow();
            assertEquals(PortIoAndMmioExitTest.IO_GUEST_EXITS, log.lines(), "0x12345678 != datamatch 0x1: exits");
            assertEquals(0, other.tryRead());
            other.close();

            EventFd match = t.vm.ioEventFd(KvmVm.IoSpace.MMIO, TestVm.MMIO_ADDRESS, 4, 0x12345678L);
            t.vcpu.setRegisters(Registers.atEntry(TestVm.ENTRY, TestVm.STACK_TOP));
            ExitLog second = new ExitLog();
            t.vm.start(second, second).await(Duration.ofSeconds(20)).orElseThrow();
            assertEquals(withoutLine("mmio-write 0x10000000/4 0x12345678"), second.lines());
            assertEquals(1, match.await(Duration.ofSeconds(1)));
        }
    }

    @Test
    void portWriteSignalsAPioEventFd() throws Exception {
        try (TestVm t = TestVm.withGuest("io")) {
            EventFd k = t.vm.ioEventFd(KvmVm.IoSpace.PIO, 0x3f8, 1, 'K');
            ExitLog log = new ExitLog();
            t.vm.start(log, log).await(Duration.ofSeconds(20)).orElseThrow();
            assertEquals("O\n", log.uart(), "the 'K' was caught by the ioeventfd");
            assertEquals(1, k.tryRead());
        }
    }

    @Test
    void invalidRegistrationsAreRefusedWithTheReason() throws Exception {
        try (TestVm t = TestVm.withGuest("io")) {
            KvmException length = assertThrows(KvmException.class,
                    () -> t.vm.ioEventFd(KvmVm.IoSpace.MMIO, TestVm.MMIO_ADDRESS, 3));
            assertEquals(KvmError.INVALID_ARGUMENT, length.error());
            KvmException port = assertThrows(KvmException.class,
                    () -> t.vm.ioEventFd(KvmVm.IoSpace.PIO, 0x10000, 1));
            assertEquals(KvmError.INVALID_ARGUMENT, port.error());
            KvmException irq = assertThrows(KvmException.class, () -> t.vm.irqFd(4));
            assertEquals(KvmError.INVALID_STATE, irq.error(), "no irqchip: " + irq.getMessage());
        }
    }
}
