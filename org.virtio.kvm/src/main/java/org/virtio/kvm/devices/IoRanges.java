package org.virtio.kvm.devices;

import java.util.Arrays;
import java.util.Objects;

/**
 * A table of non-overlapping address ranges, each owned by one device, for the buses. Lookups read an
 * immutable snapshot (binary search, no locking, no allocation); changes copy it.
 *
 * @param <T> the device type
 */
final class IoRanges<T> {

    /** One snapshot: starts ascending, ends exclusive. */
    private record Table(long[] starts, long[] ends, Object[] devices) {
    }

    private final String unit;
    private final long limit;
    private volatile Table table = new Table(new long[0], new long[0], new Object[0]);

    /**
     * @param unit  what an address is called in messages ("port", "address")
     * @param limit one past the highest valid address
     */
    IoRanges(String unit, long limit) {
        this.unit = unit;
        this.limit = limit;
    }

    /**
     * Adds [first, first + count) for {@code device}.
     *
     * @throws IllegalArgumentException when the range is empty, beyond the limit or overlaps another
     */
    synchronized void add(long first, long count, T device) {
        Objects.requireNonNull(device, "device");
        if (first < 0 || count <= 0 || first > limit - count) {
            throw new IllegalArgumentException("invalid " + unit + " range 0x" + Long.toHexString(first)
                    + " + " + count + " (valid " + unit + "s are below 0x" + Long.toHexString(limit) + ")");
        }
        long end = first + count;
        Table t = table;
        int i = insertionPoint(t.starts, first);
        if (i > 0 && t.ends[i - 1] > first || i < t.starts.length && t.starts[i] < end) {
            int other = i > 0 && t.ends[i - 1] > first ? i - 1 : i;
            throw new IllegalArgumentException(unit + " range " + describe(first, end) + " overlaps "
                    + describe(t.starts[other], t.ends[other]) + " of " + t.devices[other]);
        }
        int n = t.starts.length;
        long[] starts = new long[n + 1];
        long[] ends = new long[n + 1];
        Object[] devices = new Object[n + 1];
        System.arraycopy(t.starts, 0, starts, 0, i);
        System.arraycopy(t.ends, 0, ends, 0, i);
        System.arraycopy(t.devices, 0, devices, 0, i);
        starts[i] = first;
        ends[i] = end;
        devices[i] = device;
        System.arraycopy(t.starts, i, starts, i + 1, n - i);
        System.arraycopy(t.ends, i, ends, i + 1, n - i);
        System.arraycopy(t.devices, i, devices, i + 1, n - i);
        table = new Table(starts, ends, devices);
    }

    /** Removes every range of {@code device}; @return how many */
    synchronized int remove(T device) {
        Table t = table;
        int n = t.starts.length;
        long[] starts = new long[n];
        long[] ends = new long[n];
        Object[] devices = new Object[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (t.devices[i] != device) {
                starts[k] = t.starts[i];
                ends[k] = t.ends[i];
                devices[k++] = t.devices[i];
            }
        }
        table = new Table(Arrays.copyOf(starts, k), Arrays.copyOf(ends, k), Arrays.copyOf(devices, k));
        return n - k;
    }

    /**
     * @return the device whose range holds all of [address, address + length), or null when none does
     *         (also when the access straddles a range's end)
     */
    @SuppressWarnings("unchecked")
    T find(long address, int length) {
        Table t = table;
        int i = insertionPoint(t.starts, address + 1) - 1; // last range starting at or below address
        if (i < 0 || address + length > t.ends[i]) {
            return null;
        }
        return (T) t.devices[i];
    }

    /** @return the number of ranges */
    int size() {
        return table.starts.length;
    }

    private static int insertionPoint(long[] starts, long key) {
        int i = Arrays.binarySearch(starts, key);
        return i >= 0 ? i : -i - 1;
    }

    private static String describe(long first, long end) {
        return "[0x" + Long.toHexString(first) + ", 0x" + Long.toHexString(end) + ")";
    }
}
