package org.virtio.vmm.machine;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.VirtioDevice;

/**
 * A {@link VirtioDevice} that forwards every call to the device it wraps, default methods included, so the
 * wrapped device sees exactly the calls it would see bare. Decorators (the machine's counters, the live-swap
 * test's timestamps) override only the calls they observe and call {@code super}.
 */
abstract class ForwardingDevice implements VirtioDevice {
    private final VirtioDevice device;

    ForwardingDevice(VirtioDevice device) {
        this.device = device;
    }

    /** @return the wrapped device */
    VirtioDevice device() {
        return device;
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
