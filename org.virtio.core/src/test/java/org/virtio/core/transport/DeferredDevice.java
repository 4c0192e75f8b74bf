package org.virtio.core.transport;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/**
 * A test device that pops chains on notification but completes them only when told (or when quiesced),
 * like a device with asynchronous backend I/O. Each completion writes a 4-byte tag into the chain.
 */
final class DeferredDevice implements VirtioDevice {
    static final int TYPE = 0x7e57;
    private final int generation;
    private DeviceContext context;
    private final Deque<DescriptorChain> pending = new ArrayDeque<>();
    private final MemorySegment scratch = MemorySegment.ofArray(new byte[4]);
    int activations;

    /** @param generation written into every completed chain, so a test can tell which implementation served it */
    DeferredDevice(int generation) {
        this.generation = generation;
    }

    @Override
    public int deviceType() {
        return TYPE;
    }

    @Override
    public long deviceFeatures() {
        return 1L << 0;
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
        return 4;
    }

    @Override
    public void readConfig(int offset, byte[] dst) {
        for (int i = 0; i < dst.length; i++) {
            dst[i] = (byte) (offset + i);
        }
    }

    @Override
    public void activate(DeviceContext ctx) {
        context = ctx;
        activations++;
    }

    @Override
    public void queueNotified(int queue) {
        VirtQueue q = context.queue(queue);
        DescriptorChain c;
        while ((c = q.pop()) != null) {
            pending.add(c);
        }
    }

    int pending() {
        return pending.size();
    }

    void completeAll() {
        VirtQueue q = context.queue(0);
        while (!pending.isEmpty()) {
            DescriptorChain c = pending.poll();
            scratch.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, generation);
            int n = (int) c.write(0, scratch, 0, 4);
            q.add(c, n);
        }
        q.flush();
    }

    @Override
    public void quiesce() {
        completeAll();
    }

    @Override
    public void reset() {
        pending.clear();
        context = null;
    }
}
