package org.virtio.device.blk;

/**
 * Counters of one block device. Only the thread serving the queue writes them (the device host
 * serialises device calls); the fields are volatile so any thread reads current values.
 */
public final class BlkMetrics {
    private volatile long reads;
    private volatile long writes;
    private volatile long bytesRead;
    private volatile long bytesWritten;
    private volatile long flushes;
    private volatile long discards;
    private volatile long writeZeroes;
    private volatile long getIds;
    private volatile long errors;

    /** Counters start at zero; only the device creates them. */
    BlkMetrics() {
    }

    void read(long bytes) {
        reads++;
        bytesRead += bytes;
    }

    void written(long bytes) {
        writes++;
        bytesWritten += bytes;
    }

    void flushed() {
        flushes++;
    }

    void discarded() {
        discards++;
    }

    void zeroed() {
        writeZeroes++;
    }

    void gotId() {
        getIds++;
    }

    void error() {
        errors++;
    }

    /** @return IN requests completed successfully */
    public long reads() {
        return reads;
    }

    /** @return OUT requests completed successfully */
    public long writes() {
        return writes;
    }

    /** @return bytes read from the image into guest buffers */
    public long bytesRead() {
        return bytesRead;
    }

    /** @return bytes written from guest buffers into the image */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** @return FLUSH requests completed successfully */
    public long flushes() {
        return flushes;
    }

    /** @return DISCARD requests completed successfully */
    public long discards() {
        return discards;
    }

    /** @return WRITE_ZEROES requests completed successfully */
    public long writeZeroes() {
        return writeZeroes;
    }

    /** @return GET_ID requests completed successfully */
    public long getIds() {
        return getIds;
    }

    /** @return requests answered with IOERR or UNSUPP, or returned unanswered */
    public long errors() {
        return errors;
    }

    @Override
    public String toString() {
        return "reads=" + reads + " writes=" + writes + " bytesRead=" + bytesRead + " bytesWritten=" + bytesWritten
                + " flushes=" + flushes + " discards=" + discards + " writeZeroes=" + writeZeroes + " getIds=" + getIds
                + " errors=" + errors;
    }
}
