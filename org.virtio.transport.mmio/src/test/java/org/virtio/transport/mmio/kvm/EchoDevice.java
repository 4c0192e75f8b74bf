package org.virtio.transport.mmio.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/** A one-queue test device that echoes each chain's readable bytes into its writable bytes. */
final class EchoDevice implements VirtioDevice {
    private final AtomicInteger notified = new AtomicInteger();
    private volatile DeviceContext context;

    int notified() {
        return notified.get();
    }

    @Override
    public int deviceType() {
        return 42;
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
        return 64;
    }

    @Override
    public int configSize() {
        return 0;
    }

    @Override
    public void readConfig(int offset, byte[] dst) {
    }

    @Override
    public void activate(DeviceContext ctx) {
        context = ctx;
    }

    @Override
    public void queueNotified(int queue) {
        notified.incrementAndGet();
        DeviceContext ctx = context;
        VirtQueue q = ctx == null ? null : ctx.queue(queue);
        if (q == null) {
            return;
        }
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
        context = null;
    }
}
