package org.virtio.kvm.devices;

import java.util.concurrent.atomic.LongAdder;

import org.virtio.kvm.api.PortIoHandler;

/**
 * Routes the guest's port I/O to devices by port range, as the PC's I/O bus does: each device owns a
 * range of ports (ranges never overlap; registering one that does fails), and receives the accesses
 * that fall wholly inside it, with the absolute port. An access no device claims — including one that
 * straddles a range's end — reads as all ones ({@code 0xff} per byte) and, written, is dropped; both
 * are counted.
 *
 * <p>Lookups take no lock and allocate nothing; devices may be registered and removed while the VM
 * runs.
 */
public final class PortIoBus implements PortIoHandler {
    /** One past the highest x86 I/O port. */
    public static final int PORT_LIMIT = 0x1_0000;

    private final IoRanges<PortIoHandler> ranges = new IoRanges<>("port", PORT_LIMIT);
    private final LongAdder unclaimedReads = new LongAdder();
    private final LongAdder unclaimedWrites = new LongAdder();

    /**
     * Gives {@code device} the ports {@code [firstPort, firstPort + count)}.
     *
     * @param firstPort the first port
     * @param count     how many ports, at least 1
     * @param device    the device; it may own several ranges
     * @return this bus
     * @throws IllegalArgumentException when the range is empty, goes beyond port 0xffff or overlaps a
     *                                  registered range
     */
    public PortIoBus register(int firstPort, int count, PortIoHandler device) {
        ranges.add(firstPort, count, device);
        return this;
    }

    /**
     * Removes every range of {@code device}.
     *
     * @param device a registered device
     * @return whether it had any range
     */
    public boolean unregister(PortIoHandler device) {
        return ranges.remove(device) > 0;
    }

    @Override
    public int in(int port, int size) {
        PortIoHandler device = ranges.find(port, size);
        if (device == null) {
            unclaimedReads.increment();
            return allOnes(size);
        }
        return device.in(port, size);
    }

    @Override
    public void out(int port, int size, int value) {
        PortIoHandler device = ranges.find(port, size);
        if (device == null) {
            unclaimedWrites.increment();
            return;
        }
        device.out(port, size, value);
    }

    /** @return how many reads no device claimed */
    public long unclaimedReads() {
        return unclaimedReads.sum();
    }

    /** @return how many writes no device claimed (and were dropped) */
    public long unclaimedWrites() {
        return unclaimedWrites.sum();
    }

    /** @return the value of an unclaimed read: all ones in the low {@code size} bytes */
    static int allOnes(int size) {
        return size >= 4 ? -1 : (1 << (8 * size)) - 1;
    }
}
