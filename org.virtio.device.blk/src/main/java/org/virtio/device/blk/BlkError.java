package org.virtio.device.blk;

/**
 * Every way a block request can fail, each with what the driver sees (VirtIO 1.3 §5.2.6). The status
 * byte written for a constant comes from one method, {@link #statusByte()}.
 */
public enum BlkError {
    /** The chain has no device-writable byte for the status: it cannot be answered (used length 0). */
    NO_STATUS_BYTE("chain has no device-writable status byte", Outcome.UNANSWERABLE),
    /** The device-readable part is shorter than the 16-byte header. */
    HEADER_TOO_SHORT("request header is not 16 device-readable bytes", Outcome.IOERR),
    /** The request type is not one this device implements. */
    UNSUPPORTED_TYPE("unsupported request type", Outcome.UNSUPP),
    /** Data sits in the wrong direction (IN data readable, OUT data writable), or a request carries data it must not. */
    WRONG_DIRECTION("data buffers in the wrong direction for the request type", Outcome.IOERR),
    /** IN/OUT data length is not a multiple of 512 bytes. */
    DATA_NOT_SECTOR_MULTIPLE("data length is not a multiple of 512 bytes", Outcome.IOERR),
    /** The request is larger than the device serves in one go (its used length would not fit). */
    REQUEST_TOO_LARGE("request larger than the device serves at once", Outcome.IOERR),
    /** The sector range overflows or ends beyond the capacity. */
    OUT_OF_RANGE("sector range outside the disk", Outcome.IOERR),
    /** A write, discard or write zeroes request on a read-only drive (§5.2.6.2). */
    READ_ONLY("write to a read-only drive", Outcome.IOERR),
    /** GET_ID data is shorter than the 20-byte ID string. */
    BAD_ID_LENGTH("GET_ID data is not 20 bytes", Outcome.IOERR),
    /** DISCARD / WRITE_ZEROES data is not exactly max_*_seg (1) segment of 16 bytes. */
    BAD_SEGMENT_COUNT("discard/write zeroes data is not one 16-byte segment", Outcome.IOERR),
    /** A discard / write zeroes segment covers more sectors than max_*_sectors. */
    SEGMENT_TOO_LARGE("discard/write zeroes segment exceeds max sectors", Outcome.IOERR),
    /** Unknown flag bits in a discard / write zeroes segment (§5.2.6.2: UNSUPP). */
    UNKNOWN_FLAGS("unknown flags in discard/write zeroes segment", Outcome.UNSUPP),
    /** The unmap flag on a discard (§5.2.6.2: UNSUPP). */
    UNMAP_ON_DISCARD("unmap flag set on a discard", Outcome.UNSUPP),
    /** The image file could not be read, written or synced. */
    BACKEND_IO("image file I/O failed", Outcome.IOERR);

    /** What the driver sees. */
    public enum Outcome {
        /** Status VIRTIO_BLK_S_IOERR, used length 1. */
        IOERR,
        /** Status VIRTIO_BLK_S_UNSUPP, used length 1. */
        UNSUPP,
        /** No status can be written: the chain is returned with used length 0 and the device keeps serving. */
        UNANSWERABLE
    }

    private final String message;
    private final Outcome outcome;

    BlkError(String message, Outcome outcome) {
        this.message = message;
        this.outcome = outcome;
    }

    /** @return a one-line description for logs */
    public String message() {
        return message;
    }

    /** @return what the driver sees */
    public Outcome outcome() {
        return outcome;
    }

    /**
     * The one mapping from an error to the status byte the driver reads.
     *
     * @return {@link BlkSpec#S_IOERR} or {@link BlkSpec#S_UNSUPP}, or -1 when no status can be written
     */
    public int statusByte() {
        return switch (outcome) {
            case IOERR -> BlkSpec.S_IOERR;
            case UNSUPP -> BlkSpec.S_UNSUPP;
            case UNANSWERABLE -> -1;
        };
    }
}
