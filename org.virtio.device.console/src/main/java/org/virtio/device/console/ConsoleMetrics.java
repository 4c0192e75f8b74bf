package org.virtio.device.console;

/**
 * Counters of one console device. Each counter has one writer at a time (the queue thread, or whoever
 * holds the device's receive lock); the fields are volatile so any thread reads current values.
 */
public final class ConsoleMetrics {
    private volatile long bytesIn;
    private volatile long bytesOut;
    private volatile long droppedInput;
    private volatile long receiveBuffersUsed;
    private volatile long transmitRequests;
    private volatile long emptyRequests;
    private volatile long outputFailures;

    /** Counters start at zero; only the device creates them. */
    ConsoleMetrics() {
    }

    /** @param bytes input bytes written into one receive buffer */
    void received(int bytes) {
        receiveBuffersUsed++;
        bytesIn += bytes;
    }

    /** @param bytes guest output bytes of one transmit request */
    void transmitted(long bytes) {
        transmitRequests++;
        bytesOut += bytes;
    }

    /** @param bytes input bytes dropped because the pending-input buffer was full */
    void dropped(long bytes) {
        droppedInput += bytes;
    }

    /** A chain returned with used length 0 because it had the wrong direction. */
    void empty() {
        emptyRequests++;
    }

    /** The output failed and the device asked for a reset. */
    void outputFailed() {
        outputFailures++;
    }

    /** @return input bytes delivered into guest receive buffers */
    public long bytesIn() {
        return bytesIn;
    }

    /** @return guest output bytes written to the backend */
    public long bytesOut() {
        return bytesOut;
    }

    /** @return input bytes dropped (oldest first) because no receive buffer was posted for too long */
    public long droppedInput() {
        return droppedInput;
    }

    /** @return receive buffers returned with input */
    public long receiveBuffersUsed() {
        return receiveBuffersUsed;
    }

    /** @return transmit chains written to the output */
    public long transmitRequests() {
        return transmitRequests;
    }

    /** @return chains returned with used length 0 because of a direction mistake by the driver */
    public long emptyRequests() {
        return emptyRequests;
    }

    /** @return times the output failed to open or write */
    public long outputFailures() {
        return outputFailures;
    }

    @Override
    public String toString() {
        return "bytesIn=" + bytesIn + " bytesOut=" + bytesOut + " droppedInput=" + droppedInput
                + " receiveBuffersUsed=" + receiveBuffersUsed + " transmitRequests=" + transmitRequests
                + " emptyRequests=" + emptyRequests + " outputFailures=" + outputFailures;
    }
}
