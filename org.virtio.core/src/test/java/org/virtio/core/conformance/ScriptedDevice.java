package org.virtio.core.conformance;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/**
 * A trivial device for conformance tests: N queues, a small config space, and request handling a test
 * can steer with {@link Mode}. Everything it sees is recorded so tests can assert on it.
 */
final class ScriptedDevice implements VirtioDevice {

    /** What the device does on a driver notification. */
    enum Mode {
        /** Only count the notification; the test pops and completes chains itself. */
        MANUAL,
        /** Pop every chain and hold it in {@link #held}; the test completes them in any order. */
        HOLD,
        /** Pop every chain, copy its readable bytes into its writable part, add it, flush once per pass. */
        ECHO,
        /** Pop every chain and add it with length 0, flush once per pass. */
        CONSUME
    }

    /** What one popped chain looked like when the device saw it (chains are recycled, so copy). */
    record Seen(int queue, int id, int buffers, int readable, long readableBytes, long writableBytes, byte[] readData) {
    }

    /** Device type used by tests: an id the spec reserves for nothing this core interprets. */
    static final int TEST_DEVICE_TYPE = 4;
    /** Pattern written into unused writable space when a chain has nothing to echo. */
    static final byte FILL = (byte) 0xA5;

    private final int queueCount;
    private final int maxQueueSize;
    private final long deviceFeatures;
    final byte[] config;

    volatile Mode mode = Mode.ECHO;
    DeviceContext context;
    int activations;
    int resets;
    final int[] notifications;
    final List<Seen> seen = new ArrayList<>();
    final List<DescriptorChain> held = new ArrayList<>();
    /** The queue each chain in {@link #held} came from. */
    final Map<DescriptorChain, Integer> heldFrom = new IdentityHashMap<>();
    /** Queues the host told the device it reset (VIRTIO_F_RING_RESET), in order. */
    final List<Integer> queueResets = new ArrayList<>();
    final List<int[]> configWrites = new ArrayList<>();
    /** Set when the ECHO/CONSUME loop ran away (a queue kept claiming buffers it would not give). */
    boolean runaway;

    ScriptedDevice(int queueCount, int maxQueueSize, long deviceFeatures, int configSize) {
        this.queueCount = queueCount;
        this.maxQueueSize = maxQueueSize;
        this.deviceFeatures = deviceFeatures;
        this.config = new byte[configSize];
        for (int i = 0; i < configSize; i++) {
            config[i] = (byte) (0x10 + i);
        }
        this.notifications = new int[queueCount];
    }

    ScriptedDevice(int queueCount, int maxQueueSize) {
        this(queueCount, maxQueueSize, 0, 16);
    }

    ScriptedDevice mode(Mode m) {
        this.mode = m;
        return this;
    }

    /** @return the queue the host handed over at DRIVER_OK (null before activation or after reset) */
    VirtQueue queue(int index) {
        return context == null ? null : context.queue(index);
    }

    @Override
    public int deviceType() {
        return TEST_DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        return deviceFeatures;
    }

    @Override
    public int queueCount() {
        return queueCount;
    }

    @Override
    public int maxQueueSize(int queue) {
        return maxQueueSize;
    }

    @Override
    public int configSize() {
        return config.length;
    }

    @Override
    public void readConfig(int offset, byte[] dst) {
        System.arraycopy(config, offset, dst, 0, dst.length);
    }

    @Override
    public void writeConfig(int offset, byte[] src) {
        configWrites.add(new int[] {offset, src.length});
        System.arraycopy(src, 0, config, offset, src.length);
    }

    @Override
    public void activate(DeviceContext ctx) {
        this.context = ctx;
        activations++;
    }

    @Override
    public void queueNotified(int q) {
        notifications[q]++;
        VirtQueue queue = queue(q);
        if (queue == null) {
            return;
        }
        switch (mode) {
            case MANUAL -> {
            }
            case HOLD -> {
                DescriptorChain c;
                while ((c = queue.pop()) != null) {
                    record(q, c);
                    held.add(c);
                    heldFrom.put(c, q);
                }
            }
            case ECHO, CONSUME -> serve(q, queue);
        }
    }

    /** The loop VirtQueue's javadoc recommends, bounded so a core bug cannot hang a test. */
    private void serve(int q, VirtQueue queue) {
        int passes = 0;
        do {
            if (++passes > 4 * maxQueueSize + 8) {
                runaway = true;
                return;
            }
            queue.disableNotifications();
            DescriptorChain c;
            while ((c = queue.pop()) != null) {
                record(q, c);
                queue.add(c, mode == Mode.ECHO ? echo(c) : 0);
            }
            queue.flush();
        } while (queue.enableNotifications());
    }

    private void record(int q, DescriptorChain c) {
        byte[] data = new byte[(int) Math.min(c.readableBytes(), 1 << 16)];
        c.read(0, MemorySegment.ofArray(data), 0, data.length);
        seen.add(new Seen(q, c.id(), c.bufferCount(), c.readableCount(), c.readableBytes(), c.writableBytes(), data));
    }

    /** Copies the readable stream into the writable stream; with nothing readable, fills the writable part. */
    static int echo(DescriptorChain c) {
        long n = Math.min(c.writableBytes(), Integer.MAX_VALUE);
        if (c.readableBytes() > 0) {
            n = Math.min(n, c.readableBytes());
            byte[] tmp = new byte[(int) n];
            c.read(0, MemorySegment.ofArray(tmp), 0, n);
            return (int) c.write(0, MemorySegment.ofArray(tmp), 0, n);
        }
        byte[] tmp = new byte[(int) n];
        Arrays.fill(tmp, FILL);
        return (int) c.write(0, MemorySegment.ofArray(tmp), 0, n);
    }

    @Override
    public void queueReset(int q) {
        queueResets.add(q);
        held.removeIf(c -> Integer.valueOf(q).equals(heldFrom.get(c)));
    }

    @Override
    public void reset() {
        context = null;
        held.clear();
        heldFrom.clear();
        resets++;
    }
}
