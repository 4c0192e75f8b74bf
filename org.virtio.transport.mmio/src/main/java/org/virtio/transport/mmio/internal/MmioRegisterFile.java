package org.virtio.transport.mmio.internal;

import static org.virtio.transport.mmio.api.MmioRegisters.*;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.transport.InterruptSink;
import org.virtio.core.transport.VirtioDeviceHost;
import org.virtio.transport.mmio.api.InterruptTrigger;
import org.virtio.transport.mmio.api.VirtioMmioDevice;

/**
 * virtio-mmio version 2 registers (VirtIO 1.3 §4.2.2) over a {@link VirtioDeviceHost}. The host owns
 * status, features, queue state and configuration; this class owns what only MMIO has: the select
 * registers, the 32-bit halves of the feature words and ring addresses, and InterruptStatus.
 *
 * <p>Locking: register state is guarded by {@code this}; calls into the host that may run the device
 * (QueueNotify) are made outside it. InterruptStatus is an atomic the host's interrupt sink sets from
 * device threads without taking any lock, so a device completing requests under the host's lock never
 * waits for a vCPU in a register access.
 */
public final class MmioRegisterFile implements VirtioMmioDevice {
    private static final Logger LOG = System.getLogger(MmioRegisterFile.class.getName());
    /** VendorID: "JVIO" little-endian; drivers match on DeviceID, the vendor is informational. */
    public static final int VENDOR = 0x4f49564a;
    private static final long LOW32 = 0xffff_ffffL;

    private final VirtioDeviceHost host;
    private final InterruptTrigger line;
    private final AtomicInteger interruptStatus = new AtomicInteger();
    private final int queueCount;

    // Guarded by this. Reset to zero by a write of 0 to Status.
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private final long[] descArea;
    private final long[] driverArea;
    private final long[] deviceArea;

    /**
     * @param hostFactory makes the host, given the sink it must report interrupts to
     * @param line        the interrupt line
     */
    public MmioRegisterFile(Function<InterruptSink, VirtioDeviceHost> hostFactory, InterruptTrigger line) {
        this.line = Objects.requireNonNull(line, "line");
        this.host = Objects.requireNonNull(hostFactory.apply(new Sink()), "host");
        this.queueCount = host.queueCount();
        this.descArea = new long[queueCount];
        this.driverArea = new long[queueCount];
        this.deviceArea = new long[queueCount];
    }

    @Override
    public VirtioDeviceHost host() {
        return host;
    }

    @Override
    public int interruptStatus() {
        return interruptStatus.get();
    }

    @Override
    public long read(int offset, int size) {
        if (offset >= CONFIG) {
            return readConfig(offset - CONFIG, size);
        }
        if (!registerAccess(offset, size)) {
            return 0;
        }
        return readRegister(offset) & LOW32;
    }

    @Override
    public void write(int offset, int size, long value) {
        if (offset >= CONFIG) {
            writeConfig(offset - CONFIG, size, value);
            return;
        }
        if (!registerAccess(offset, size)) {
            return;
        }
        int v = (int) value;
        if (offset == QUEUE_NOTIFY) {
            notifyQueue(v);
        } else if (offset == INTERRUPT_ACK) {
            acknowledge(v);
        } else {
            synchronized (this) {
                writeRegister(offset, v);
            }
        }
    }

    /** InterruptACK: clears the written bits; a CAS loop, so the hot path allocates nothing. */
    private void acknowledge(int bits) {
        int s;
        do {
            s = interruptStatus.get();
        } while (!interruptStatus.compareAndSet(s, s & ~bits));
    }

    /** §4.2.2.2: the driver uses only 32-bit wide, aligned accesses for the registers. */
    private boolean registerAccess(int offset, int size) {
        if (size != 4 || (offset & 3) != 0 || offset < 0) {
            LOG.log(Level.DEBUG, "{0}: {1}-byte access at register offset 0x{2}, ignored", host.name(), size,
                    Integer.toHexString(offset));
            return false;
        }
        return true;
    }

    private synchronized int readRegister(int offset) {
        return switch (offset) {
            case MAGIC_VALUE -> MAGIC;
            case VERSION -> MMIO_VERSION;
            case DEVICE_ID -> host.deviceType();
            case VENDOR_ID -> VENDOR;
            case DEVICE_FEATURES -> deviceFeaturesSel > 1 ? 0 : (int) (host.deviceFeatures() >>> (32 * deviceFeaturesSel));
            case QUEUE_NUM_MAX -> selectedQueueExists() ? host.maxQueueSize(queueSel) : 0;
            case QUEUE_READY -> selectedQueueExists() && host.queueReady(queueSel) ? 1 : 0;
            case INTERRUPT_STATUS -> interruptStatus.get();
            case STATUS -> host.status();
            // No shared memory regions (§4.2.2: a length of -1 says the selected region does not exist).
            case SHM_LEN_LOW, SHM_LEN_HIGH, SHM_BASE_LOW, SHM_BASE_HIGH -> -1;
            // §4.2.2.1: QueueReset reads 1 only while a reset is ongoing; ours completes inside the write,
            // so the driver always reads 0 (without VIRTIO_F_RING_RESET the register does not exist: 0 too).
            case QUEUE_RESET -> 0;
            case CONFIG_GENERATION -> host.configGeneration();
            // Write-only and reserved registers read as 0.
            default -> 0;
        };
    }

    private void writeRegister(int offset, int v) {
        switch (offset) {
            case DEVICE_FEATURES_SEL -> deviceFeaturesSel = v;
            case DRIVER_FEATURES_SEL -> driverFeaturesSel = v;
            case DRIVER_FEATURES -> writeDriverFeatures(v);
            case QUEUE_SEL -> queueSel = v;
            case QUEUE_NUM -> writeQueueNum(v);
            case QUEUE_READY -> writeQueueReady(v);
            case STATUS -> writeStatus(v);
            case QUEUE_DESC_LOW -> setAddress(descArea, v, false);
            case QUEUE_DESC_HIGH -> setAddress(descArea, v, true);
            case QUEUE_DRIVER_LOW -> setAddress(driverArea, v, false);
            case QUEUE_DRIVER_HIGH -> setAddress(driverArea, v, true);
            case QUEUE_DEVICE_LOW -> setAddress(deviceArea, v, false);
            case QUEUE_DEVICE_HIGH -> setAddress(deviceArea, v, true);
            case QUEUE_RESET -> writeQueueReset(v);
            // SHMSel selects among no regions.
            case SHM_SEL -> { }
            default -> LOG.log(Level.DEBUG, "{0}: write to read-only or reserved register 0x{1}, ignored", host.name(),
                    Integer.toHexString(offset));
        }
    }

    private boolean selectedQueueExists() {
        return queueSel >= 0 && queueSel < queueCount;
    }

    private void writeDriverFeatures(int v) {
        if (driverFeaturesSel < 0 || driverFeaturesSel > 1) {
            return; // bits beyond 63: nothing the core can offer, so nothing to accept
        }
        int shift = 32 * driverFeaturesSel;
        driverFeatures = (driverFeatures & ~(LOW32 << shift)) | ((v & LOW32) << shift);
        host.setDriverFeatures(driverFeatures);
    }

    private void writeQueueNum(int v) {
        if (!selectedQueueExists() || v <= 0 || v > host.maxQueueSize(queueSel)) {
            LOG.log(Level.DEBUG, "{0}: QueueNum {1} for queue {2} out of range, ignored", host.name(), v, queueSel);
            return;
        }
        host.setQueueSize(queueSel, v);
    }

    /** The ring addresses go to the host as the queue is enabled: the registers are written in 32-bit halves. */
    private void writeQueueReady(int v) {
        if (!selectedQueueExists()) {
            return;
        }
        int q = queueSel;
        if (v == 1 && !host.queueReady(q)) {
            host.setQueueAddresses(q, new GuestAddress(descArea[q]), new GuestAddress(driverArea[q]),
                    new GuestAddress(deviceArea[q]));
            host.setQueueReady(q, true);
        } else if (v == 0) {
            host.setQueueReady(q, false);
        }
    }

    /**
     * §4.2.2: writing 1 resets the selected queue when VIRTIO_F_RING_RESET was negotiated (otherwise the
     * register does not exist and the write is ignored). The host closes the queue and returns its
     * registers to their defaults; the address halves kept here go back to 0 with them.
     */
    private void writeQueueReset(int v) {
        if (v != 1 || !selectedQueueExists()
                || !VirtioFeatures.has(host.driverFeatures(), VirtioFeatures.RING_RESET)
                || (host.status() & DeviceStatus.FEATURES_OK) == 0) {
            LOG.log(Level.DEBUG, "{0}: QueueReset {1} for queue {2} ignored", host.name(), v, queueSel);
            return;
        }
        int q = queueSel;
        host.resetQueue(q);
        descArea[q] = 0;
        driverArea[q] = 0;
        deviceArea[q] = 0;
    }

    private void setAddress(long[] area, int v, boolean high) {
        if (!selectedQueueExists() || host.queueReady(queueSel)) {
            return; // §4.2.3.2: the addresses are written before QueueReady is set
        }
        int shift = high ? 32 : 0;
        area[queueSel] = (area[queueSel] & ~(LOW32 << shift)) | ((v & LOW32) << shift);
    }

    private void writeStatus(int v) {
        if (v == 0) {
            host.setStatus(0);
            // §4.2.2.1: upon reset InterruptStatus is cleared (QueueReady is the host's and cleared there).
            interruptStatus.set(0);
            deviceFeaturesSel = 0;
            driverFeaturesSel = 0;
            driverFeatures = 0;
            queueSel = 0;
            java.util.Arrays.fill(descArea, 0);
            java.util.Arrays.fill(driverArea, 0);
            java.util.Arrays.fill(deviceArea, 0);
            return;
        }
        host.setStatus(v & 0xff);
    }

    /**
     * Without VIRTIO_F_NOTIFICATION_DATA the value is the queue index; with it, bits 0–15 are (§4.2.3.3).
     * Out-of-range indices are dropped by the host.
     */
    private void notifyQueue(int v) {
        int queue = VirtioFeatures.has(host.driverFeatures(), VirtioFeatures.NOTIFICATION_DATA) ? v & 0xffff : v;
        if (queue < 0 || queue >= queueCount) {
            LOG.log(Level.DEBUG, "{0}: QueueNotify for queue {1}, which does not exist, ignored", host.name(), queue);
            return;
        }
        host.notifyQueue(queue);
    }

    /** §4.2.2.2: configuration fields are accessed with their own, naturally aligned width. */
    private boolean configAccess(int offset, int size) {
        boolean ok = (size == 1 || size == 2 || size == 4 || size == 8) && (offset & (size - 1)) == 0
                && offset + size <= host.configSize();
        if (!ok) {
            LOG.log(Level.DEBUG, "{0}: {1}-byte access at configuration offset 0x{2}, ignored", host.name(), size,
                    Integer.toHexString(offset));
        }
        return ok;
    }

    private long readConfig(int offset, int size) {
        if (!configAccess(offset, size)) {
            return 0;
        }
        long v = host.readConfig(offset, size);
        return size == 8 ? v : v & ((1L << (8 * size)) - 1);
    }

    private void writeConfig(int offset, int size, long value) {
        if (configAccess(offset, size)) {
            host.writeConfig(offset, size, value);
        }
    }

    /** The host's interrupts: set the InterruptStatus bit, then pulse the line (outside every lock). */
    private final class Sink implements InterruptSink {
        @Override
        public void usedBuffer(int queue) {
            interruptStatus.getAndUpdate(s -> s | INT_USED_BUFFER);
            line.raise();
        }

        @Override
        public void configChange() {
            interruptStatus.getAndUpdate(s -> s | INT_CONFIG_CHANGE);
            line.raise();
        }
    }
}
