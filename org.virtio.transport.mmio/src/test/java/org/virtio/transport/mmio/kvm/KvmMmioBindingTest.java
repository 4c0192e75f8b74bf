package org.virtio.transport.mmio.kvm;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;
import org.virtio.kvm.devices.MmioBus;
import org.virtio.kvm.api.Kvm;
import org.virtio.kvm.api.KvmVcpu;
import org.virtio.kvm.api.KvmVm;
import org.virtio.kvm.api.LongMode;
import org.virtio.kvm.api.MmioHandler;
import org.virtio.kvm.api.PortIoHandler;
import org.virtio.kvm.api.VcpuStop;
import org.virtio.kvm.api.VmRun;
import org.virtio.transport.mmio.api.EchoDevice;
import org.virtio.transport.mmio.api.MmioDeviceWindow;
import org.virtio.transport.mmio.api.MmioRegisters;
import org.virtio.transport.mmio.api.VirtioMmioDevice;

/**
 * Level B, on the real /dev/kvm: a guest's write to QueueNotify of a bound window reaches the device
 * through the ioeventfd (no MMIO exit), the used buffer raises IRQ 5 through the irqfd, and the guest's
 * handler reads InterruptStatus and acknowledges it through the register file (MMIO exits).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KvmMmioBindingTest {
    private static final long RAM_SIZE = 2L << 20;
    private static final long ENTRY = 0x10000;
    private static final long STACK_TOP = 0x8000;
    private static final long RINGS = 0x100000;
    private static final long BUFFERS = 0x180000;
    private static final MmioDeviceWindow WINDOW = MmioDeviceWindow.of(0x1000_0000L, 5);

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    /** Records every exit, then hands MMIO to the bus. */
    private static final class Recorder implements PortIoHandler, MmioHandler {
        final MmioHandler next;
        final List<String> mmio = new ArrayList<>();
        final StringBuilder uart = new StringBuilder();

        Recorder(MmioHandler next) {
            this.next = next;
        }

        @Override
        public synchronized int in(int port, int size) {
            return 0;
        }

        @Override
        public synchronized void out(int port, int size, int value) {
            if (port == 0x3f8) {
                uart.append((char) (value & 0xff));
            }
        }

        @Override
        public long read(long address, int length) {
            synchronized (this) {
                mmio.add("read 0x" + Long.toHexString(address) + "/" + length);
            }
            return next.read(address, length);
        }

        @Override
        public void write(long address, int length, long value) {
            synchronized (this) {
                mmio.add("write 0x" + Long.toHexString(address) + "/" + length + " " + value);
            }
            next.write(address, length, value);
        }

        synchronized String uart() {
            return uart.toString();
        }

        synchronized List<String> mmio() {
            return List.copyOf(mmio);
        }
    }

    @Test
    void queueNotifyThroughIoEventFdAndInterruptThroughIrqFd() throws Exception {
        byte[] code = TestGuests.binary("notify");
        EchoDevice echo = new EchoDevice();
        try (Kvm kvm = Kvm.open();
                GuestRam ram = GuestRam.builder().memfd("mmio-test", GuestAddress.of(0), RAM_SIZE).build();
                KvmVm vm = kvm.createVm()) {
            vm.mapMemory(ram);
            vm.createIrqchip();
            KvmVcpu vcpu = vm.createVcpu(0);
            ram.write(ENTRY, MemorySegment.ofArray(code), 0, code.length);
            LongMode.enter(vcpu, ram, ENTRY, STACK_TOP);

            try (KvmMmioBinding binding = KvmMmioBinding.bind(vm, WINDOW,
                    line -> VirtioMmioDevice.create(echo, ram, null, "kvmtest/echo0", line))) {
                VirtioMmioDevice dev = binding.device();
                SplitQueueDriver q = initialise(dev, ram);
                byte[] text = "via ioeventfd".getBytes(StandardCharsets.US_ASCII);
                ram.write(BUFFERS, MemorySegment.ofArray(text), 0, text.length);
                int id = q.add(new long[] {BUFFERS, BUFFERS + 0x1000}, new int[] {text.length, 64},
                        new boolean[] {false, true}, 2, false);

                MmioBus bus = new MmioBus().register(WINDOW.base(), WINDOW.size(), binding);
                assertThrows(IllegalArgumentException.class, () -> bus.register(WINDOW.base(), WINDOW.size(), binding),
                        "windows must not overlap");
                Recorder rec = new Recorder(bus);
                VmRun run = vm.start(rec, rec);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!rec.uart().equals("R1") && System.nanoTime() < end) {
                    Thread.sleep(2);
                }
                run.stop();
                VcpuStop stop = run.await(Duration.ofSeconds(10)).orElseThrow();
                assertFalse(stop.failed(), stop.message());
                assertEquals("R1", rec.uart(), "'R', then the handler saw InterruptStatus = used buffer");
                assertEquals(1, echo.notified(), "one notification, through the ioeventfd thread");
                long base = WINDOW.base();
                assertEquals(List.of("read 0x" + Long.toHexString(base + MmioRegisters.INTERRUPT_STATUS) + "/4",
                        "write 0x" + Long.toHexString(base + MmioRegisters.INTERRUPT_ACK) + "/4 1"), rec.mmio(),
                        "QueueNotify caused no exit; only the handler's two register accesses did");
                assertEquals(0, dev.interruptStatus(), "acknowledged by the guest");
                assertTrue(q.pollUsed());
                assertEquals(id, q.usedId());
                assertEquals(text.length, q.usedLength());
            }
        }
    }

    /** The host side plays the driver's §3.1.1 setup through the registers (the guest only notifies). */
    private static SplitQueueDriver initialise(VirtioMmioDevice dev, GuestRam ram) {
        int s = DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER;
        dev.write(MmioRegisters.STATUS, 4, 0);
        dev.write(MmioRegisters.STATUS, 4, s);
        dev.write(MmioRegisters.DRIVER_FEATURES_SEL, 4, 1);
        dev.write(MmioRegisters.DRIVER_FEATURES, 4, 1); // VERSION_1
        s |= DeviceStatus.FEATURES_OK;
        dev.write(MmioRegisters.STATUS, 4, s);
        assertEquals(s, dev.read(MmioRegisters.STATUS, 4));
        SplitQueueDriver q = new SplitQueueDriver(ram, new GuestAddress(RINGS), 16,
                VirtioFeatures.bit(VirtioFeatures.VERSION_1), 4);
        dev.write(MmioRegisters.QUEUE_SEL, 4, 0);
        dev.write(MmioRegisters.QUEUE_NUM, 4, 16);
        dev.write(MmioRegisters.QUEUE_DESC_LOW, 4, q.descArea().value());
        dev.write(MmioRegisters.QUEUE_DRIVER_LOW, 4, q.driverArea().value());
        dev.write(MmioRegisters.QUEUE_DEVICE_LOW, 4, q.deviceArea().value());
        dev.write(MmioRegisters.QUEUE_READY, 4, 1);
        dev.write(MmioRegisters.STATUS, 4, s | DeviceStatus.DRIVER_OK);
        assertEquals(s | DeviceStatus.DRIVER_OK, dev.read(MmioRegisters.STATUS, 4));
        return q;
    }
}
