package org.virtio.device.rng;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;
import org.virtio.device.rng.backend.EntropySource;

/**
 * The virtio entropy device (VirtIO 1.3 §5.4): device id 4, one queue ({@code requestq}), no feature bits,
 * no configuration space. Each chain the driver makes available gets its device-writable part filled with
 * entropy, up to {@code maxBytesPerRequest} bytes (§5.4.6.2 allows using less than the whole buffer); the
 * used length tells the driver how many bytes arrived.
 *
 * <p>A chain without writable bytes is returned with length 0 and the device keeps serving. A failing
 * entropy source sets DEVICE_NEEDS_RESET; the device then serves nothing until reset. The entropy source
 * is opened at DRIVER_OK and closed at reset. Request handling allocates nothing: bytes go from the
 * source into one scratch segment, then into guest memory with {@link DescriptorChain#write}.
 */
public final class RngDevice implements VirtioDevice {
    /** Index of the only queue, {@code requestq} (§5.4.2). */
    public static final int REQUEST_QUEUE = 0;
    /** Largest queue size the device accepts. */
    public static final int MAX_QUEUE_SIZE = 256;

    private static final Logger LOG = System.getLogger(RngDevice.class.getName());

    private final EntropySource source;
    private final int maxBytesPerRequest;
    private final MemorySegment scratch;
    private final RngMetrics metrics = new RngMetrics();

    private DeviceContext context;
    /** Set when the device asked for a reset; cleared by {@link #reset}. */
    private boolean failed;

    /**
     * @param source             where entropy comes from; the device opens and closes it
     * @param maxBytesPerRequest the most bytes written into one request, at least 1
     */
    public RngDevice(EntropySource source, int maxBytesPerRequest) {
        if (maxBytesPerRequest < 1) {
            throw new IllegalArgumentException("maxBytesPerRequest must be positive: " + maxBytesPerRequest);
        }
        this.source = Objects.requireNonNull(source);
        this.maxBytesPerRequest = maxBytesPerRequest;
        this.scratch = MemorySegment.ofArray(new byte[maxBytesPerRequest]);
    }

    @Override
    public int deviceType() {
        return DeviceType.ENTROPY;
    }

    @Override
    public long deviceFeatures() {
        return 0;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int maxQueueSize(int queue) {
        if (queue != REQUEST_QUEUE) {
            throw new IndexOutOfBoundsException("virtio-rng has one queue, not " + queue);
        }
        return MAX_QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return 0;
    }

    /** No configuration space (§5.4.4): the core only calls this with an empty {@code dst}. */
    @Override
    public void readConfig(int offset, byte[] dst) {
        if (dst.length != 0) {
            throw new IndexOutOfBoundsException("virtio-rng has no configuration space");
        }
    }

    @Override
    public void activate(DeviceContext ctx) {
        context = Objects.requireNonNull(ctx);
        failed = false;
        try {
            source.open();
        } catch (IOException e) {
            fail(RngError.SOURCE_UNAVAILABLE, e);
        }
    }

    /**
     * Serves {@code requestq}: the disable / pop / add / flush / enable loop of {@link VirtQueue}, so a
     * burst of requests costs one used-index store and at most one interrupt.
     */
    @Override
    public void queueNotified(int queue) {
        DeviceContext ctx = context;
        if (queue != REQUEST_QUEUE || ctx == null || failed) {
            return;
        }
        VirtQueue q = ctx.queue(REQUEST_QUEUE);
        if (q == null) {
            return;
        }
        do {
            q.disableNotifications();
            DescriptorChain chain;
            while ((chain = q.pop()) != null) {
                int written = serve(chain);
                if (written < 0) {
                    // The chain stays in flight: the driver must reset the device, which drops it.
                    q.flush();
                    return;
                }
                q.add(chain, written);
            }
            q.flush();
        } while (q.enableNotifications());
    }

    /** @return bytes written into the chain, or -1 when the device failed */
    private int serve(DescriptorChain chain) {
        long writable = chain.writableBytes();
        if (writable == 0) {
            return fail(RngError.NO_WRITABLE_BUFFER, null);
        }
        int n = (int) Math.min(writable, maxBytesPerRequest);
        try {
            source.fill(scratch, 0, n);
        } catch (EOFException e) {
            return fail(RngError.SOURCE_EXHAUSTED, e);
        } catch (IOException e) {
            return fail(RngError.SOURCE_UNREADABLE, e);
        }
        chain.write(0, scratch, 0, n);
        metrics.served(n);
        return n;
    }

    /**
     * The one place an {@link RngError} becomes what the driver sees.
     *
     * @return the used length for the chain (0), or -1 when the device now needs a reset
     */
    private int fail(RngError error, IOException cause) {
        switch (error.outcome()) {
            case USED_LENGTH_ZERO -> {
                metrics.empty();
                LOG.log(Level.DEBUG, "{0}: {1}, used length 0", context.name(), error.message());
                return 0;
            }
            case DEVICE_NEEDS_RESET -> {
                failed = true;
                metrics.sourceFailed();
                String reason = error.message() + " (" + source.description()
                        + (cause != null ? ": " + cause.getMessage() : "") + ")";
                LOG.log(Level.WARNING, "{0}: {1}", context.name(), reason);
                context.needsReset(reason);
                return -1;
            }
            default -> throw new AssertionError(error);
        }
    }

    @Override
    public void reset() {
        context = null;
        failed = false;
        source.close();
    }

    /** @return this device's counters */
    public RngMetrics metrics() {
        return metrics;
    }

    /** @return the most bytes written into one request */
    public int maxBytesPerRequest() {
        return maxBytesPerRequest;
    }

    /** @return where the entropy comes from, for logs */
    public String sourceDescription() {
        return source.description();
    }

    @Override
    public String toString() {
        return "virtio-rng (" + source.description() + ", max " + maxBytesPerRequest + " bytes/request)";
    }
}
