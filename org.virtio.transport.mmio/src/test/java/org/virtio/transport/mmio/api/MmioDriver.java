package org.virtio.transport.mmio.api;

import static org.virtio.transport.mmio.api.MmioRegisters.*;

import java.util.ArrayList;
import java.util.List;

import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.PackedQueueDriver;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemory;

/**
 * A driver that reaches the device only through the MMIO registers, as a guest would (§3.1.1 and
 * §4.2.3): 32-bit register accesses, feature words through the select registers, ring addresses in
 * halves. Rings come from core's driver-side queues, laid out in a window of guest memory.
 */
final class MmioDriver {
    private final VirtioMmioDevice dev;
    private final GuestMemory memory;
    private long next;
    final List<QueueDriver> queues = new ArrayList<>();

    MmioDriver(VirtioMmioDevice dev, GuestMemory memory, long window) {
        this.dev = dev;
        this.memory = memory;
        this.next = window;
    }

    int reg(int offset) {
        return (int) dev.read(offset, 4);
    }

    void reg(int offset, int value) {
        dev.write(offset, 4, value & 0xffff_ffffL);
    }

    long allocate(long length) {
        long at = (next + 4095) & -4096L;
        next = at + length;
        return at;
    }

    long deviceFeatures() {
        reg(DEVICE_FEATURES_SEL, 0);
        long low = reg(DEVICE_FEATURES) & 0xffff_ffffL;
        reg(DEVICE_FEATURES_SEL, 1);
        long high = reg(DEVICE_FEATURES) & 0xffff_ffffL;
        return high << 32 | low;
    }

    void writeDriverFeatures(long features) {
        reg(DRIVER_FEATURES_SEL, 0);
        reg(DRIVER_FEATURES, (int) features);
        reg(DRIVER_FEATURES_SEL, 1);
        reg(DRIVER_FEATURES, (int) (features >>> 32));
    }

    /**
     * §3.1.1 through the registers.
     *
     * @param wanted    features the driver would like
     * @param queueSize size for every queue (capped at QueueNumMax)
     * @return the negotiated features, or -1 when the device refused them (FEATURES_OK not read back)
     */
    long initialize(long wanted, int queueSize) {
        if (reg(MAGIC_VALUE) != MAGIC || reg(VERSION) != MMIO_VERSION || reg(DEVICE_ID) == 0) {
            throw new AssertionError("not a virtio-mmio v2 device");
        }
        reg(STATUS, 0);
        reg(STATUS, DeviceStatus.ACKNOWLEDGE);
        reg(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        long features = wanted & deviceFeatures();
        writeDriverFeatures(features);
        int s = DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK;
        reg(STATUS, s);
        if ((reg(STATUS) & DeviceStatus.FEATURES_OK) == 0) {
            reg(STATUS, s | DeviceStatus.FAILED);
            return -1;
        }
        setupQueues(features, queueSize);
        reg(STATUS, s | DeviceStatus.DRIVER_OK);
        return features;
    }

    /** §4.2.3.2 for each queue, until QueueNumMax reads 0. */
    void setupQueues(long features, int queueSize) {
        queues.clear();
        boolean packed = VirtioFeatures.has(features, VirtioFeatures.RING_PACKED);
        for (int q = 0; ; q++) {
            reg(QUEUE_SEL, q);
            if (reg(QUEUE_READY) != 0) {
                throw new AssertionError("queue " + q + " ready before setup");
            }
            int max = reg(QUEUE_NUM_MAX);
            if (max == 0) {
                return;
            }
            int size = Math.min(queueSize, max);
            QueueDriver d = packed
                    ? new PackedQueueDriver(memory, new GuestAddress(allocate(PackedQueueDriver.footprint(size, 4))), size, features, 4)
                    : new SplitQueueDriver(memory, new GuestAddress(allocate(SplitQueueDriver.footprint(size, 4))), size, features, 4);
            reg(QUEUE_NUM, size);
            address(QUEUE_DESC_LOW, d.descArea().value());
            address(QUEUE_DRIVER_LOW, d.driverArea().value());
            address(QUEUE_DEVICE_LOW, d.deviceArea().value());
            reg(QUEUE_READY, 1);
            queues.add(d);
        }
    }

    /**
     * VIRTIO_F_RING_RESET through the registers (§4.2.2, §2.6.1): select the queue, write 1 to QueueReset,
     * wait until QueueReset reads 0 again (§4.2.2.2: the reset is not complete before), then lay out a new
     * ring of the given size and re-enable the queue with QueueReady.
     *
     * @return the queue's new driver side (also replaces it in {@link #queues})
     */
    QueueDriver resetQueue(int q, long features, int size) {
        reg(QUEUE_SEL, q);
        reg(QUEUE_RESET, 1);
        for (int polls = 0; reg(QUEUE_RESET) != 0; polls++) {
            if (polls > 1000) {
                throw new AssertionError("QueueReset of queue " + q + " never completed");
            }
        }
        if (reg(QUEUE_READY) != 0) {
            throw new AssertionError("queue " + q + " still ready after its reset completed");
        }
        boolean packed = VirtioFeatures.has(features, VirtioFeatures.RING_PACKED);
        QueueDriver d = packed
                ? new PackedQueueDriver(memory, new GuestAddress(allocate(PackedQueueDriver.footprint(size, 4))), size, features, 4)
                : new SplitQueueDriver(memory, new GuestAddress(allocate(SplitQueueDriver.footprint(size, 4))), size, features, 4);
        reg(QUEUE_NUM, size);
        address(QUEUE_DESC_LOW, d.descArea().value());
        address(QUEUE_DRIVER_LOW, d.driverArea().value());
        address(QUEUE_DEVICE_LOW, d.deviceArea().value());
        reg(QUEUE_READY, 1);
        queues.set(q, d);
        return d;
    }

    private void address(int low, long value) {
        reg(low, (int) value);
        reg(low + 4, (int) (value >>> 32));
    }
}
