package org.virtio.vmm.machine;

import java.util.concurrent.atomic.LongAdder;

import org.virtio.core.device.VirtioDevice;

/**
 * Forwards every call to the device it wraps and counts the driver notifications per queue. The machine
 * puts one around each device it attaches (and around each swap replacement, sharing the counters), so
 * a window's counters belong to the window and survive a swap.
 */
final class CountingDevice extends ForwardingDevice {
    private final LongAdder[] notifications;

    CountingDevice(VirtioDevice device, LongAdder[] notifications) {
        super(device);
        this.notifications = notifications;
    }

    static LongAdder[] counters(int queues) {
        LongAdder[] a = new LongAdder[Math.max(queues, 0)];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    LongAdder[] notifications() {
        return notifications;
    }

    @Override
    public void queueNotified(int queue) {
        if (queue >= 0 && queue < notifications.length) {
            notifications[queue].increment();
        }
        super.queueNotified(queue);
    }
}
