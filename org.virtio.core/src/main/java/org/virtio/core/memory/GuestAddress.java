package org.virtio.core.memory;

/**
 * A guest-physical address: a value type so APIs do not pass bare longs around. Compared unsigned.
 *
 * @param value the 64-bit address, interpreted as unsigned
 */
public record GuestAddress(long value) implements Comparable<GuestAddress> {

    /** @param value the address  @return the address as a value */
    public static GuestAddress of(long value) {
        return new GuestAddress(value);
    }

    /**
     * @param offset bytes to add
     * @return this address plus offset
     * @throws ArithmeticException when the sum wraps past 2^64
     */
    public GuestAddress plus(long offset) {
        long sum = value + offset;
        if (Long.compareUnsigned(sum, value) < 0) {
            throw new ArithmeticException("guest address overflow: 0x" + Long.toHexString(value) + " + " + offset);
        }
        return new GuestAddress(sum);
    }

    @Override
    public int compareTo(GuestAddress other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(value);
    }
}
