package org.virtio.vmm.machine;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.VirtioDevice;

/**
 * Forwards every call to a device unchanged and notes when it was asked to {@link #quiesce}: the host
 * calls that first thing once it holds the device's lock for a swap, so from then until the swap returns
 * no implementation serves the queue (the guest's notifications wait) — the pause the guest sees. The
 * time before it is the swap waiting for the old implementation to finish the batch it is serving,
 * during which the guest is still served. For a replacement it also notes when it was activated and when
 * its first {@link #queueNotified} (the host's wake-up for requests queued during the swap) returned.
 */
final class LiveSwapTimedDevice extends ForwardingDevice {
    private volatile long quiescedAt;
    private volatile long activatedAt;
    private volatile long firstServedAt;

    LiveSwapTimedDevice(VirtioDevice device) {
        super(device);
    }

    /** @return System.nanoTime() of the first quiesce call, or 0 when none came */
    long quiescedAt() {
        return quiescedAt;
    }

    /** @return System.nanoTime() of the last activate call, or 0 */
    long activatedAt() {
        return activatedAt;
    }

    /** @return System.nanoTime() when the first queueNotified after the last activate returned, or 0 */
    long firstServedAt() {
        return firstServedAt;
    }

    @Override
    public void activate(DeviceContext context) {
        firstServedAt = 0;
        activatedAt = System.nanoTime();
        super.activate(context);
    }

    @Override
    public void queueNotified(int queue) {
        super.queueNotified(queue);
        if (firstServedAt == 0) {
            firstServedAt = System.nanoTime();
        }
    }

    @Override
    public void quiesce() {
        if (quiescedAt == 0) {
            quiescedAt = System.nanoTime();
        }
        super.quiesce();
    }
}
