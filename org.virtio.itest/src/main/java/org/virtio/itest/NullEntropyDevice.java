package org.virtio.itest;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

/**
 * A minimal entropy-type device (VirtIO 1.3 §5.4) for the VM manager test: it completes every request
 * with no bytes written. Enough to be hot-plugged and swapped; the guest in blkstress mode leaves it alone.
 */
final class NullEntropyDevice implements VirtioDevice {
    private DeviceContext context;

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
    public synchronized void activate(DeviceContext context) {
        this.context = context;
    }

    @Override
    public synchronized void queueNotified(int queue) {
        VirtQueue q = context == null ? null : context.queue(queue);
        if (q == null) {
            return;
        }
        DescriptorChain c;
        while ((c = q.pop()) != null) {
            q.add(c, 0);
        }
        q.flush();
    }

    @Override
    public synchronized void reset() {
        context = null;
    }
}
