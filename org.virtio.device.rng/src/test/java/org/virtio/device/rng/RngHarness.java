package org.virtio.device.rng;

import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SimulatedDriver;
import org.virtio.core.driver.SimulatedGuest;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.transport.VirtioDeviceHost;

/** Test support: one device behind {@link SimulatedDriver} over 1 MiB of heap-backed guest RAM. */
final class RngHarness implements AutoCloseable {
    static final long SPLIT = VirtioFeatures.bit(VirtioFeatures.VERSION_1) | VirtioFeatures.bit(VirtioFeatures.EVENT_IDX)
            | VirtioFeatures.bit(VirtioFeatures.INDIRECT_DESC);
    static final long PACKED = SPLIT | VirtioFeatures.bit(VirtioFeatures.RING_PACKED);
    private static final long RAM = 1 << 20;

    final SimulatedDriver driver;
    final VirtioDeviceHost host;
    private final SimulatedGuest guest;

    RngHarness(VirtioDevice device, long features) {
        this(device, features, true);
    }

    /** @param requireOk whether to fail unless the device ends up DRIVER_OK without DEVICE_NEEDS_RESET */
    RngHarness(VirtioDevice device, long features, boolean requireOk) {
        if (requireOk) {
            guest = SimulatedGuest.start(device, "test/rng0", RAM, features, 64);
        } else {
            guest = SimulatedGuest.attach(device, "test/rng0", RAM);
            guest.initialize(features, 64);
        }
        driver = guest.driver();
        host = guest.host();
    }

    QueueDriver queue() {
        return driver.queue(RngDevice.REQUEST_QUEUE);
    }

    /** @return a fresh 16-byte-aligned guest buffer */
    GuestAddress buffer(int length) {
        return guest.buffer(length);
    }

    /** Posts one chain of the given buffers and kicks. @return the chain id */
    int post(GuestAddress[] buffers, int[] lengths, boolean[] writable, boolean indirect) {
        int id = guest.add(RngDevice.REQUEST_QUEUE, buffers, lengths, writable, indirect);
        driver.kick(RngDevice.REQUEST_QUEUE);
        return id;
    }

    /** Posts one writable buffer, kicks, and returns the used length (-1 when nothing came back). */
    int request(GuestAddress buffer, int length) {
        post(new GuestAddress[] {buffer}, new int[] {length}, new boolean[] {true}, false);
        return usedLength();
    }

    /** @return the length of the next used buffer, or -1 when there is none */
    int usedLength() {
        return guest.usedLength(RngDevice.REQUEST_QUEUE);
    }

    byte[] read(GuestAddress at, int length) {
        return guest.read(at, length);
    }

    @Override
    public void close() {
        guest.close();
    }
}
