package org.virtio.vmm.machine;

import java.util.concurrent.atomic.LongAdder;

import org.virtio.kvm.api.MmioHandler;
import org.virtio.kvm.api.PortIoHandler;
import org.virtio.kvm.devices.MmioBus;
import org.virtio.kvm.devices.PortIoBus;

/** The handlers the vCPUs run with: the machine's buses, each exit counted (a LongAdder: no contention between vCPUs). */
final class CountingIo {
    final LongAdder pioExits = new LongAdder();
    final LongAdder mmioExits = new LongAdder();
    final LongAdder runs = new LongAdder();
    final PortIoHandler pio;
    final MmioHandler mmio;

    CountingIo(PortIoBus pioBus, MmioBus mmioBus) {
        this.pio = new PortIoHandler() {
            @Override
            public int in(int port, int size) {
                pioExits.increment();
                return pioBus.in(port, size);
            }

            @Override
            public void out(int port, int size, int value) {
                pioExits.increment();
                pioBus.out(port, size, value);
            }
        };
        this.mmio = new MmioHandler() {
            @Override
            public long read(long address, int length) {
                mmioExits.increment();
                return mmioBus.read(address, length);
            }

            @Override
            public void write(long address, int length, long value) {
                mmioExits.increment();
                mmioBus.write(address, length, value);
            }
        };
    }
}
