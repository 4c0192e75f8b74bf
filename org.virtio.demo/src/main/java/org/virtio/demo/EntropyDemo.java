package org.virtio.demo;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.Map;

import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SimulatedDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.GuestRam;
import org.virtio.core.transport.VirtioDeviceHost;

/**
 * The demo scenario, free of OSGi: memfd guest RAM, one entropy device from the factory, the §3.1.1
 * initialisation by {@link SimulatedDriver}, writable buffers posted on the request queue, one kick per
 * round, the used buffers collected. Leaves the device reset and the RAM unmapped.
 */
final class EntropyDemo {
    /** Guest RAM size: 16 MiB. */
    static final long RAM_SIZE = 16L << 20;
    /** What the driver asks for: VERSION_1 | EVENT_IDX | INDIRECT_DESC. */
    static final long FEATURES = VirtioFeatures.bit(VirtioFeatures.VERSION_1)
            | VirtioFeatures.bit(VirtioFeatures.EVENT_IDX) | VirtioFeatures.bit(VirtioFeatures.INDIRECT_DESC);
    /** Queue size the driver programs. */
    static final int QUEUE_SIZE = 64;
    private static final int REQUEST_QUEUE = 0;

    private final VirtioDeviceFactory factory;
    private final int bytesToRequest;
    private final int bufferSize;

    /**
     * @param factory        makes the device
     * @param bytesToRequest total entropy wanted, at least 1
     * @param bufferSize     bytes per buffer, at least 1
     */
    EntropyDemo(VirtioDeviceFactory factory, int bytesToRequest, int bufferSize) {
        if (bytesToRequest < 1 || bufferSize < 1 || bytesToRequest > RAM_SIZE / 2) {
            throw new IllegalArgumentException("bytesToRequest " + bytesToRequest + " / bufferSize " + bufferSize
                    + ": both must be positive, bytesToRequest at most " + RAM_SIZE / 2);
        }
        this.factory = factory;
        this.bytesToRequest = bytesToRequest;
        this.bufferSize = bufferSize;
    }

    /**
     * @return what the run observed
     * @throws IllegalStateException when the device refuses initialisation or does not answer
     */
    DemoReport run() {
        try (GuestRam ram = GuestRam.builder().memfd("demo-ram", GuestAddress.of(0), RAM_SIZE).build()) {
            SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), RAM_SIZE);
            VirtioDevice device = factory.create(Map.of());
            VirtioDeviceHost host = driver.attach(device, null, "demo/" + factory.typeName() + "0");
            try {
                if (!driver.initialize(FEATURES, QUEUE_SIZE)) {
                    throw new IllegalStateException(host.name() + " did not reach DRIVER_OK: status "
                            + DeviceStatus.describe(host.status()) + ", reason: " + host.needsResetReason());
                }
                int buffers = (bytesToRequest + bufferSize - 1) / bufferSize;
                byte[] entropy = request(ram, driver, buffers);
                return new DemoReport(host.name(), factory.typeName(), device.deviceType(), host.deviceFeatures(),
                        host.driverFeatures(), host.status(), buffers, bufferSize, entropy,
                        driver.usedInterrupts(REQUEST_QUEUE), driver.configInterrupts());
            } finally {
                host.setStatus(0);
            }
        }
    }

    /** Posts the buffers in rounds of at most a queue's worth, kicks, and gathers the bytes in post order. */
    private byte[] request(GuestRam ram, SimulatedDriver driver, int buffers) {
        QueueDriver queue = driver.queue(REQUEST_QUEUE);
        GuestAddress[] addrs = new GuestAddress[buffers];
        for (int i = 0; i < buffers; i++) {
            addrs[i] = driver.allocate(bufferSize, 16);
        }
        int[] used = new int[buffers];
        for (int first = 0; first < buffers; first += queue.size()) {
            int last = Math.min(buffers, first + queue.size());
            int[] bufferOfId = new int[queue.size()];
            for (int i = first; i < last; i++) {
                int id = queue.add(new long[] {addrs[i].value()}, new int[] {bufferSize}, new boolean[] {true}, 1, false);
                if (id < 0) {
                    throw new IllegalStateException("request queue full after " + (i - first) + " buffers");
                }
                bufferOfId[id] = i;
            }
            driver.kick(REQUEST_QUEUE);
            for (int n = first; n < last; n++) {
                // The device host serves a notification on the kicking thread, so the used ring is complete now.
                if (!queue.pollUsed()) {
                    throw new IllegalStateException("device returned " + (n - first) + " of " + (last - first)
                            + " buffers; status " + DeviceStatus.describe(driver.host().status()) + ", reason: "
                            + driver.host().needsResetReason());
                }
                used[bufferOfId[queue.usedId()]] = queue.usedLength();
            }
        }
        return gather(ram, addrs, used);
    }

    private static byte[] gather(GuestRam ram, GuestAddress[] addrs, int[] used) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < addrs.length; i++) {
            byte[] b = new byte[used[i]];
            try {
                ram.read(addrs[i].value(), MemorySegment.ofArray(b), 0, b.length);
            } catch (GuestMemoryException e) {
                throw new IllegalStateException("reading buffer " + i + " back: " + e.getMessage(), e);
            }
            out.writeBytes(b);
        }
        return out.toByteArray();
    }
}
