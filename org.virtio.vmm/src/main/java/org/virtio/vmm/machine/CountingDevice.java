package org.virtio.vmm.machine;

import java.util.concurrent.atomic.LongAdder;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.VirtioDevice;

/**
 * Forwards every call to the device it wraps and counts the driver notifications per queue. The machine
 * puts one around each device it attaches (and around each swap replacement, sharing the counters), so
 * a window's counters belong to the window and survive a swap. Every method of {@link VirtioDevice}
 * is forwarded, default ones included, so the wrapped device sees exactly the calls it would see bare.
 */
final class CountingDevice implements VirtioDevice {
    private final VirtioDevice device;
    private final LongAdder[] notifications;

    CountingDevice(VirtioDevice device, LongAdder[] notifications) {
        this.device = device;
        this.notifications = notifications;
    }

    static LongAdder[] counters(int queues) {
        LongAdder[] a = new LongAdder[Math.max(queues, 0)];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** @return the wrapped device */
    VirtioDevice device() {
        return device;
    }

    LongAdder[] notifications() {
        return notifications;
    }

    @Override
    public int deviceType() {
        return device.deviceType();
    }

    @Override
    public long deviceFeatures() {
        return device.deviceFeatures();
    }

    @Override
    public int queueCount() {
        return device.queueCount();
    }

    @Override
    public int maxQueueSize(int queue) {
        return device.maxQueueSize(queue);
    }

    @Override
    public int configSize() {
        return device.configSize();
    }

    @Override
    public void readConfig(int offset, byte[] dst) {
        device.readConfig(offset, dst);
    }

    @Override
    public void writeConfig(int offset, byte[] src) {
        device.writeConfig(offset, src);
    }

    @Override
    public void activate(DeviceContext context) {
        device.activate(context);
    }

    @Override
    public void queueNotified(int queue) {
        if (queue >= 0 && queue < notifications.length) {
            notifications[queue].increment();
        }
        device.queueNotified(queue);
    }

    @Override
    public void quiesce() {
        device.quiesce();
    }

    @Override
    public void queueReset(int queue) {
        device.queueReset(queue);
    }

    @Override
    public byte[] saveState() {
        return device.saveState();
    }

    @Override
    public void restoreState(byte[] state) {
        device.restoreState(state);
    }

    @Override
    public void reset() {
        device.reset();
    }

    @Override
    public String toString() {
        return device.toString();
    }
}
