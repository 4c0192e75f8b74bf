package org.virtio.transport.mmio.api;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/**
 * A test device: type 42, one queue of at most 64 entries that echoes each chain's readable bytes into
 * its writable bytes, feature bit 0 offered, and 8 bytes of configuration ({@code u32 a; u16 b; u8 c; u8 d},
 * {@code d} writable, the rest read-only).
 */
public final class EchoDevice implements VirtioDevice {
    static final int TYPE = 42;
    static final int MAX_QUEUE = 64;
    static final long FEATURE_ECHO = 1;

    final AtomicInteger notified = new AtomicInteger();

    /** A device in the reset state, for tests in other packages (the KVM binding test). */
    public EchoDevice() {
    }

    /** @return the notifications the device has received */
    public int notified() {
        return notified.get();
    }
    final AtomicInteger resets = new AtomicInteger();
    private final byte[] config = {0x78, 0x56, 0x34, 0x12, (byte) 0xcd, (byte) 0xab, 0x5a, 0};
    private volatile DeviceContext context;

    @Override
    public int deviceType() {
        return TYPE;
    }

    @Override
    public long deviceFeatures() {
        return FEATURE_ECHO;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int maxQueueSize(int queue) {
        return MAX_QUEUE;
    }

    @Override
    public int configSize() {
        return config.length;
    }

    @Override
    public synchronized void readConfig(int offset, byte[] dst) {
        System.arraycopy(config, offset, dst, 0, dst.length);
    }

    @Override
    public synchronized void writeConfig(int offset, byte[] src) {
        for (int i = 0; i < src.length; i++) {
            if (offset + i == 7) {
                config[7] = src[i];
            }
        }
    }

    /** The device changes its configuration on its own (byte c) and tells the driver. */
    void changeConfig(byte c) {
        synchronized (this) {
            config[6] = c;
        }
        context.configChanged();
    }

    @Override
    public void activate(DeviceContext ctx) {
        context = ctx;
    }

    @Override
    public void queueNotified(int queue) {
        notified.incrementAndGet();
        DeviceContext ctx = context;
        if (ctx == null || ctx.queue(queue) == null) {
            return;
        }
        VirtQueue q = ctx.queue(queue);
        try (Arena arena = Arena.ofConfined()) {
            DescriptorChain chain;
            while ((chain = q.pop()) != null) {
                long n = Math.min(chain.readableBytes(), chain.writableBytes());
                MemorySegment buf = arena.allocate(Math.max(1, n));
                chain.read(0, buf, 0, n);
                chain.write(0, buf, 0, n);
                q.add(chain, (int) n);
            }
            q.flush();
        }
    }

    @Override
    public void reset() {
        resets.incrementAndGet();
        context = null;
    }
}
