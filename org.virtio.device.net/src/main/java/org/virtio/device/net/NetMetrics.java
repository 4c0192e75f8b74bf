package org.virtio.device.net;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one virtio-net device. Written from the transmit queue's thread and the backend reader
 * thread, so they are {@link LongAdder}s; any thread reads current values.
 */
public final class NetMetrics {
    private final LongAdder txFrames = new LongAdder();
    private final LongAdder txBytes = new LongAdder();
    private final LongAdder txDropped = new LongAdder();
    private final LongAdder rxFrames = new LongAdder();
    private final LongAdder rxBytes = new LongAdder();
    private final LongAdder rxBuffers = new LongAdder();
    private final LongAdder rxDroppedQueueFull = new LongAdder();
    private final LongAdder rxDroppedNotReady = new LongAdder();
    private final LongAdder rxDroppedTooLarge = new LongAdder();
    private final LongAdder malformedChains = new LongAdder();

    /** Counters start at zero; only the device creates them. */
    NetMetrics() {
    }

    void transmitted(int bytes) {
        txFrames.increment();
        txBytes.add(bytes);
    }

    void received(int bytes, int buffers) {
        rxFrames.increment();
        rxBytes.add(bytes);
        rxBuffers.add(buffers);
    }

    void dropped(NetError error) {
        switch (error) {
            case TX_BACKEND -> txDropped.increment();
            case RX_QUEUE_FULL -> rxDroppedQueueFull.increment();
            case RX_NOT_READY -> rxDroppedNotReady.increment();
            case RX_FRAME_TOO_LARGE, RX_FRAME_TOO_BIG_FOR_BUFFERS -> rxDroppedTooLarge.increment();
            default -> malformedChains.increment();
        }
    }

    void rxDroppedNotReady(int frames) {
        rxDroppedNotReady.add(frames);
    }

    /** @return frames handed to the backend */
    public long txFrames() {
        return txFrames.sum();
    }

    /** @return bytes of those frames (without the virtio header) */
    public long txBytes() {
        return txBytes.sum();
    }

    /** @return well-formed transmit frames the backend did not take (busy, no peer, or failed) */
    public long txDropped() {
        return txDropped.sum();
    }

    /** @return frames written into receive buffers */
    public long rxFrames() {
        return rxFrames.sum();
    }

    /** @return bytes of those frames (without the virtio header) */
    public long rxBytes() {
        return rxBytes.sum();
    }

    /** @return receive buffers used (more than rxFrames with mergeable buffers) */
    public long rxBuffers() {
        return rxBuffers.sum();
    }

    /** @return received frames dropped because the host-side queue was full */
    public long rxDroppedQueueFull() {
        return rxDroppedQueueFull.sum();
    }

    /** @return received frames dropped because the driver was not running */
    public long rxDroppedNotReady() {
        return rxDroppedNotReady.sum();
    }

    /** @return received frames dropped for their size */
    public long rxDroppedTooLarge() {
        return rxDroppedTooLarge.sum();
    }

    /** @return transmit or receive chains returned unused because they were malformed */
    public long malformedChains() {
        return malformedChains.sum();
    }

    @Override
    public String toString() {
        return "tx=" + txFrames() + "/" + txBytes() + "B txDropped=" + txDropped() + " rx=" + rxFrames() + "/"
                + rxBytes() + "B rxBuffers=" + rxBuffers() + " rxDroppedQueueFull=" + rxDroppedQueueFull()
                + " rxDroppedNotReady=" + rxDroppedNotReady() + " rxDroppedTooLarge=" + rxDroppedTooLarge()
                + " malformed=" + malformedChains();
    }
}
