package org.virtio.device.console;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.HeldChains;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;
import org.virtio.device.console.backend.ConsoleBackend;

/**
 * The virtio console device (VirtIO 1.3 §5.3), device id 3, one port (port 0), no feature bits (neither
 * VIRTIO_CONSOLE_F_SIZE, F_MULTIPORT nor F_EMERG_WRITE) and so no configuration space (§5.3.4: its fields
 * exist only with those features). Two queues (§5.3.2): {@code receiveq} (0) carries input to the driver,
 * {@code transmitq} (1) carries output from it.
 *
 * <p><b>Transmit</b> (§5.3.6): on a notification each chain's device-readable bytes go to the backend's
 * output in order, and the chain is returned with used length 0. A chain with device-writable buffers is
 * a driver mistake: returned with length 0, nothing output. A failing output sets DEVICE_NEEDS_RESET.
 *
 * <p><b>Receive</b>: input arrives on the backend's thread at any time; the driver posts writable
 * buffers at any time. The device pops receive chains when notified and keeps them; it fills them when
 * it has both input and buffers, from whichever thread brought the missing half, filling each buffer as
 * far as the input goes. Input that finds no buffer waits in a bounded {@link InputBuffer}; beyond its
 * capacity the oldest input is dropped and counted. Input arriving while the device is not active
 * (before DRIVER_OK, after reset) is dropped and counted. The receive queue, the held chains and the
 * input buffer are touched only under {@link #rxLock}, the one cross-thread path; the transmit queue is
 * touched only by the queue thread. The device host's lock, held around every call into the device, is
 * always taken before {@link #rxLock}, never after: nothing done under {@link #rxLock} on the input
 * thread calls back into the host (popping, which can break a queue and report to the host, happens
 * only on the queue thread).
 */
public final class ConsoleDevice implements VirtioDevice {
    /** Index of {@code receiveq} (port 0 input, §5.3.2). */
    public static final int RECEIVE_QUEUE = 0;
    /** Index of {@code transmitq} (port 0 output, §5.3.2). */
    public static final int TRANSMIT_QUEUE = 1;
    /** Largest queue size the device accepts. */
    public static final int MAX_QUEUE_SIZE = 256;
    /** Bytes copied out of guest memory per backend write. */
    static final int TRANSMIT_CHUNK = 4096;

    private static final Logger LOG = System.getLogger(ConsoleDevice.class.getName());

    private final ConsoleBackend backend;
    private final ConsoleMetrics metrics = new ConsoleMetrics();
    private final byte[] transmitScratch = new byte[TRANSMIT_CHUNK];
    private final MemorySegment transmitSegment = MemorySegment.ofArray(transmitScratch);
    private final ConsoleBackend.InputListener listener = this::input;

    /** Guards {@link #posted} and {@link #pending}. */
    private final ReentrantLock rxLock = new ReentrantLock();
    private final InputBuffer pending;
    /** Receive chains popped and not yet filled, the receive ring, and whether input may be delivered. */
    private final HeldChains posted = new HeldChains(RECEIVE_QUEUE, MAX_QUEUE_SIZE);

    /** Queue thread only. */
    private DeviceContext context;
    /** Set when the device asked for a reset; cleared by {@link #reset}. Read by the input thread. */
    private volatile boolean failed;
    private volatile String name = "console";

    /**
     * @param backend          output sink and input source; the device opens it at DRIVER_OK and closes it at reset
     * @param inputBufferBytes the most input bytes kept while no receive buffer is posted, at least 1
     */
    public ConsoleDevice(ConsoleBackend backend, int inputBufferBytes) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.pending = new InputBuffer(inputBufferBytes);
    }

    @Override
    public int deviceType() {
        return DeviceType.CONSOLE;
    }

    @Override
    public long deviceFeatures() {
        return 0;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int maxQueueSize(int queue) {
        if (queue != RECEIVE_QUEUE && queue != TRANSMIT_QUEUE) {
            throw new IndexOutOfBoundsException("virtio-console without multiport has two queues, not " + queue);
        }
        return MAX_QUEUE_SIZE;
    }

    /** @return 0: without F_SIZE, F_MULTIPORT or F_EMERG_WRITE no configuration field exists (§5.3.4) */
    @Override
    public int configSize() {
        return 0;
    }

    /** No configuration space: the core only calls this with an empty {@code dst}. */
    @Override
    public void readConfig(int offset, byte[] dst) {
        if (dst.length != 0) {
            throw new IndexOutOfBoundsException("virtio-console without features has no configuration space");
        }
    }

    @Override
    public void activate(DeviceContext ctx) {
        context = Objects.requireNonNull(ctx);
        name = ctx.name();
        failed = false;
        rxLock.lock();
        try {
            posted.activate(ctx);
            pending.clear();
        } finally {
            rxLock.unlock();
        }
        try {
            backend.open(listener);
        } catch (IOException e) {
            fail(ConsoleError.OUTPUT_UNAVAILABLE, e);
        }
    }

    @Override
    public void queueNotified(int queue) {
        DeviceContext ctx = context;
        if (ctx == null || failed) {
            return;
        }
        if (queue == RECEIVE_QUEUE) {
            receiveNotified(ctx);
        } else if (queue == TRANSMIT_QUEUE) {
            VirtQueue q = ctx.queue(TRANSMIT_QUEUE);
            if (q != null) {
                transmit(q);
            }
        }
    }

    /** The driver posted receive buffers: take them all, then fill what the pending input allows. */
    private void receiveNotified(DeviceContext ctx) {
        rxLock.lock();
        try {
            // After a queue reset (VIRTIO_F_RING_RESET) this is the re-enabled receiveq's new ring.
            VirtQueue q = posted.resume(ctx);
            if (q == null) {
                return;
            }
            do {
                q.disableNotifications();
                DescriptorChain chain;
                while ((chain = q.pop()) != null) {
                    if (chain.writableBytes() == 0) {
                        q.add(chain, fail(ConsoleError.RECEIVE_NOT_WRITABLE, null));
                    } else {
                        posted.hold(chain);
                    }
                }
                deliverLocked(q);
                q.flush();
            } while (q.enableNotifications());
        } finally {
            rxLock.unlock();
        }
    }

    /** The backend's thread brought input. */
    private void input(byte[] src, int offset, int length) {
        if (length <= 0) {
            return;
        }
        rxLock.lock();
        try {
            VirtQueue q = posted.queue();
            if (q == null || failed) {
                metrics.dropped(length);
                return;
            }
            int dropped = pending.put(src, offset, length);
            if (dropped > 0) {
                metrics.dropped(dropped);
                LOG.log(Level.DEBUG, "{0}: {1}: {2} bytes", name, ConsoleError.INPUT_OVERFLOW.message(), dropped);
            }
            if (posted.delivering() && deliverLocked(q)) {
                q.flush();
            }
        } finally {
            rxLock.unlock();
        }
    }

    /** Fills held chains from pending input, oldest first. Caller holds {@link #rxLock}. @return whether any was added */
    private boolean deliverLocked(VirtQueue q) {
        boolean added = false;
        while (!pending.isEmpty() && !posted.isEmpty()) {
            DescriptorChain chain = posted.next();
            int n = pending.drainInto(chain);
            metrics.received(n);
            q.add(chain, n);
            added = true;
        }
        return added;
    }

    /** Writes every available transmit chain to the output; the disable / pop / add / flush / enable loop. */
    private void transmit(VirtQueue q) {
        do {
            q.disableNotifications();
            DescriptorChain chain;
            while ((chain = q.pop()) != null) {
                if (chain.writableBytes() != 0) {
                    q.add(chain, fail(ConsoleError.TRANSMIT_WRITABLE, null));
                    continue;
                }
                if (!output(chain)) {
                    // The chain stays in flight: the driver must reset the device, which drops it.
                    q.flush();
                    return;
                }
                q.add(chain, 0);
            }
            q.flush();
        } while (q.enableNotifications());
    }

    /** @return whether the chain's readable bytes all reached the output */
    private boolean output(DescriptorChain chain) {
        long total = chain.readableBytes();
        long done = 0;
        try {
            while (done < total) {
                int n = (int) chain.read(done, transmitSegment, 0, Math.min(TRANSMIT_CHUNK, total - done));
                if (n <= 0) {
                    break;
                }
                backend.write(transmitScratch, 0, n);
                done += n;
            }
        } catch (IOException e) {
            fail(ConsoleError.OUTPUT_FAILED, e);
            return false;
        }
        metrics.transmitted(done);
        return true;
    }

    /**
     * The one place a {@link ConsoleError} becomes what the driver sees. Queue thread only.
     *
     * @return the used length for the chain (0), or -1 when the device now needs a reset
     */
    private int fail(ConsoleError error, IOException cause) {
        switch (error.outcome()) {
            case USED_LENGTH_ZERO -> {
                metrics.empty();
                LOG.log(Level.DEBUG, "{0}: {1}, used length 0", name, error.message());
                return 0;
            }
            case DEVICE_NEEDS_RESET -> {
                failed = true;
                metrics.outputFailed();
                String reason = error.message() + " (" + backend.description()
                        + (cause != null ? ": " + cause.getMessage() : "") + ")";
                LOG.log(Level.WARNING, "{0}: {1}", name, reason);
                context.needsReset(reason);
                return -1;
            }
            default -> throw new AssertionError(error);
        }
    }

    /**
     * Returns the held receive buffers with used length 0 (so no chain is in flight for the snapshot) and
     * holds input delivery until the next receiveq notification or activation.
     */
    @Override
    public void quiesce() {
        rxLock.lock();
        try {
            posted.quiesce(0);
        } finally {
            rxLock.unlock();
        }
    }

    /**
     * The driver reset one queue (VIRTIO_F_RING_RESET): the held receive chains belong to the old ring and
     * are dropped without being used; pending input stays for the re-enabled queue. The transmit queue
     * holds nothing between calls.
     */
    @Override
    public void queueReset(int queue) {
        if (queue != RECEIVE_QUEUE) {
            return;
        }
        rxLock.lock();
        try {
            posted.queueReset();
        } finally {
            rxLock.unlock();
        }
    }

    @Override
    public void reset() {
        rxLock.lock();
        try {
            posted.reset();
            metrics.dropped(pending.clear());
        } finally {
            rxLock.unlock();
        }
        context = null;
        failed = false;
        backend.close();
    }

    /** @return this device's counters */
    public ConsoleMetrics metrics() {
        return metrics;
    }

    /** @return the most input bytes kept while no receive buffer is posted */
    public int inputBufferBytes() {
        return pending.capacity();
    }

    /** @return the backend's description, for logs */
    public String backendDescription() {
        return backend.description();
    }

    @Override
    public String toString() {
        return "virtio-console (" + backend.description() + ", input buffer " + pending.capacity() + " bytes)";
    }
}
