package org.virtio.core.memory;

/**
 * A guest-physical range that cannot be accessed. Checked on purpose: a bad guest address is expected
 * input, and every caller has to decide what the guest sees (an error status, DEVICE_NEEDS_RESET).
 */
public final class GuestMemoryException extends Exception {
    private static final long serialVersionUID = 1L;

    private final MemoryError error;
    private final long address;
    private final long length;

    /**
     * @param error   why the access was refused
     * @param address the guest address that was asked for
     * @param length  the length that was asked for
     */
    public GuestMemoryException(MemoryError error, long address, long length) {
        super(error.message() + " (gpa 0x" + Long.toHexString(address) + ", len " + Long.toUnsignedString(length) + ")",
                null, false, false);
        this.error = error;
        this.address = address;
        this.length = length;
    }

    /** @return why the access was refused */
    public MemoryError error() {
        return error;
    }

    /** @return the guest address that was asked for */
    public long address() {
        return address;
    }

    /** @return the length that was asked for */
    public long length() {
        return length;
    }
}
