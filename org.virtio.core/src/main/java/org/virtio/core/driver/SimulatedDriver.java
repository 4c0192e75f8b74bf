package org.virtio.core.driver;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.memory.AddressTranslator;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.transport.InterruptSink;
import org.virtio.core.transport.VirtioDeviceHost;

/**
 * A driver in Java: plays the guest side of one device through its {@link VirtioDeviceHost}, the way a
 * transport would forward register accesses. Runs the §3.1.1 initialisation sequence, lays out queues
 * in a window of guest memory, and counts the interrupts the device sends.
 */
public final class SimulatedDriver implements InterruptSink {
    private final GuestMemory memory;
    private final long windowEnd;
    private long next;
    private VirtioDeviceHost host;
    private QueueDriver[] queues = new QueueDriver[0];
    private final AtomicInteger configInterrupts = new AtomicInteger();
    private AtomicIntegerArray usedInterrupts = new AtomicIntegerArray(0);
    private int maxIndirect = 16;

    /**
     * @param memory guest memory
     * @param window first address of the memory the driver may use for rings and buffers
     * @param length size of that window
     */
    public SimulatedDriver(GuestMemory memory, GuestAddress window, long length) {
        this.memory = memory;
        this.next = window.value();
        this.windowEnd = window.value() + length;
    }

    /**
     * Creates the device host with this driver as its interrupt sink.
     *
     * @param device     the device
     * @param translator IOMMU or null
     * @param name       log name
     * @return the host the driver now drives
     */
    public VirtioDeviceHost attach(VirtioDevice device, AddressTranslator translator, String name) {
        host = VirtioDeviceHost.create(device, memory, this, translator, name);
        usedInterrupts = new AtomicIntegerArray(host.queueCount());
        return host;
    }

    /** @return the host being driven */
    public VirtioDeviceHost host() {
        return host;
    }

    /** @param n buffers per indirect table for queues set up after this call */
    public void setMaxIndirect(int n) {
        this.maxIndirect = n;
    }

    /**
     * Reserves guest memory from the driver's window.
     *
     * @param length bytes
     * @param align  power-of-2 alignment
     * @return the guest address
     */
    public GuestAddress allocate(long length, long align) {
        long at = (next + align - 1) & -align;
        if (at + length > windowEnd) {
            throw new IllegalStateException("driver window exhausted: need " + length + " bytes");
        }
        next = at + length;
        return new GuestAddress(at);
    }

    /**
     * §3.1.1: reset, ACKNOWLEDGE, DRIVER, negotiate, FEATURES_OK (read back), set up every queue, DRIVER_OK.
     *
     * @param wanted    features the driver would like; the result is wanted ∩ offered
     * @param queueSize size for every queue (capped at each queue's maximum)
     * @return whether the device accepted the features and is now DRIVER_OK
     */
    public boolean initialize(long wanted, int queueSize) {
        host.setStatus(0);
        host.setStatus(DeviceStatus.ACKNOWLEDGE);
        host.setStatus(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        long features = wanted & host.deviceFeatures();
        host.setDriverFeatures(features);
        int s = DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK;
        host.setStatus(s);
        if ((host.status() & DeviceStatus.FEATURES_OK) == 0) {
            host.setStatus(s | DeviceStatus.FAILED);
            return false;
        }
        setupQueues(features, queueSize);
        host.setStatus(s | DeviceStatus.DRIVER_OK);
        return (host.status() & (DeviceStatus.DRIVER_OK | DeviceStatus.DEVICE_NEEDS_RESET)) == DeviceStatus.DRIVER_OK;
    }

    /**
     * Step 7 of §3.1.1 alone, for tests that drive the status sequence themselves.
     *
     * @param features  the features the driver wrote
     * @param queueSize size for every queue (capped at each queue's maximum)
     */
    public void setupQueues(long features, int queueSize) {
        QueueFormat format = VirtioFeatures.has(features, VirtioFeatures.RING_PACKED) ? QueueFormat.PACKED : QueueFormat.SPLIT;
        queues = new QueueDriver[host.queueCount()];
        for (int q = 0; q < queues.length; q++) {
            int size = Math.min(queueSize, host.maxQueueSize(q));
            QueueDriver d;
            if (format == QueueFormat.PACKED) {
                d = new PackedQueueDriver(memory, allocate(PackedQueueDriver.footprint(size, maxIndirect), 4096), size,
                        features, maxIndirect);
            } else {
                d = new SplitQueueDriver(memory, allocate(SplitQueueDriver.footprint(size, maxIndirect), 4096), size,
                        features, maxIndirect);
            }
            queues[q] = d;
            host.setQueueSize(q, size);
            host.setQueueAddresses(q, d.descArea(), d.driverArea(), d.deviceArea());
            host.setQueueReady(q, true);
        }
    }

    /** @param q queue index  @return its driver side */
    public QueueDriver queue(int q) {
        return queues[q];
    }

    /**
     * Notifies the device if the queue's suppression state asks for it.
     *
     * @param q queue index
     * @return whether a notification was sent
     */
    public boolean kick(int q) {
        if (queues[q].kickNeeded()) {
            host.notifyQueue(q);
            return true;
        }
        return false;
    }

    @Override
    public void usedBuffer(int queue) {
        usedInterrupts.incrementAndGet(queue);
    }

    @Override
    public void configChange() {
        configInterrupts.incrementAndGet();
    }

    /** @param q queue index  @return used buffer notifications received for it */
    public int usedInterrupts(int q) {
        return usedInterrupts.get(q);
    }

    /** @return configuration change notifications received */
    public int configInterrupts() {
        return configInterrupts.get();
    }
}
