package org.virtio.kvm.devices;

import java.util.concurrent.atomic.LongAdder;

import org.virtio.kvm.api.MmioHandler;

/**
 * Routes the guest's MMIO exits to devices by guest-physical address range, like {@link PortIoBus}:
 * ranges never overlap, a device receives the accesses that fall wholly inside its range (absolute
 * address), and an unclaimed access reads as all ones or, written, is dropped; both are counted.
 */
public final class MmioBus implements MmioHandler {
    private final IoRanges<MmioHandler> ranges = new IoRanges<>("address", Long.MAX_VALUE);
    private final LongAdder unclaimedReads = new LongAdder();
    private final LongAdder unclaimedWrites = new LongAdder();

    /**
     * Gives {@code device} the guest-physical range {@code [first, first + length)}.
     *
     * @param first  the first address
     * @param length the length in bytes, at least 1
     * @param device the device; it may own several ranges
     * @return this bus
     * @throws IllegalArgumentException when the range is empty, negative or overlaps a registered range
     */
    public MmioBus register(long first, long length, MmioHandler device) {
        ranges.add(first, length, device);
        return this;
    }

    /**
     * Removes every range of {@code device}.
     *
     * @param device a registered device
     * @return whether it had any range
     */
    public boolean unregister(MmioHandler device) {
        return ranges.remove(device) > 0;
    }

    @Override
    public long read(long address, int length) {
        MmioHandler device = address < 0 ? null : ranges.find(address, length);
        if (device == null) {
            unclaimedReads.increment();
            return length >= 8 ? -1L : (1L << (8 * length)) - 1;
        }
        return device.read(address, length);
    }

    @Override
    public void write(long address, int length, long value) {
        MmioHandler device = address < 0 ? null : ranges.find(address, length);
        if (device == null) {
            unclaimedWrites.increment();
            return;
        }
        device.write(address, length, value);
    }

    /** @return how many reads no device claimed */
    public long unclaimedReads() {
        return unclaimedReads.sum();
    }

    /** @return how many writes no device claimed (and were dropped) */
    public long unclaimedWrites() {
        return unclaimedWrites.sum();
    }
}
