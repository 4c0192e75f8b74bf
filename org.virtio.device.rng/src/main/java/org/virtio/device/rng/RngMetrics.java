package org.virtio.device.rng;

/**
 * Counters of one entropy device. Only the thread serving the queue writes them (the device host
 * serialises device calls); the fields are volatile so any thread reads current values.
 */
public final class RngMetrics {
    private volatile long requests;
    private volatile long bytesServed;
    private volatile long emptyRequests;
    private volatile long sourceFailures;

    /** Counters start at zero; only the device creates them. */
    RngMetrics() {
    }

    /** @param bytes entropy bytes written into one request */
    void served(int bytes) {
        requests++;
        bytesServed += bytes;
    }

    /** A request without writable bytes, returned with used length 0. */
    void empty() {
        requests++;
        emptyRequests++;
    }

    /** The entropy source failed and the device asked for a reset. */
    void sourceFailed() {
        sourceFailures++;
    }

    /** @return requests completed, including empty ones */
    public long requests() {
        return requests;
    }

    /** @return entropy bytes written into guest buffers */
    public long bytesServed() {
        return bytesServed;
    }

    /** @return requests completed with used length 0 because they had no writable buffer */
    public long emptyRequests() {
        return emptyRequests;
    }

    /** @return times the entropy source failed to open or read */
    public long sourceFailures() {
        return sourceFailures;
    }

    @Override
    public String toString() {
        return "requests=" + requests + " bytesServed=" + bytesServed + " emptyRequests=" + emptyRequests
                + " sourceFailures=" + sourceFailures;
    }
}
