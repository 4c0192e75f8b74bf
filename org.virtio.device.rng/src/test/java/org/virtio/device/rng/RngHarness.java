package org.virtio.device.rng;

import java.lang.foreign.MemorySegment;

import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SimulatedDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.GuestRam;
import org.virtio.core.transport.VirtioDeviceHost;

/** Test support: one device behind {@link SimulatedDriver} over 1 MiB of heap-backed guest RAM. */
final class RngHarness implements AutoCloseable {
    static final long SPLIT = VirtioFeatures.bit(VirtioFeatures.VERSION_1) | VirtioFeatures.bit(VirtioFeatures.EVENT_IDX)
            | VirtioFeatures.bit(VirtioFeatures.INDIRECT_DESC);
    static final long PACKED = SPLIT | VirtioFeatures.bit(VirtioFeatures.RING_PACKED);
    private static final long RAM = 1 << 20;

    final GuestRam ram;
    final SimulatedDriver driver;
    final VirtioDeviceHost host;

    RngHarness(VirtioDevice device, long features) {
        this(device, features, true);
    }

    /** @param requireOk whether to fail unless the device ends up DRIVER_OK without DEVICE_NEEDS_RESET */
    RngHarness(VirtioDevice device, long features, boolean requireOk) {
        ram = GuestRam.builder().anonymous(GuestAddress.of(0), RAM).build();
        driver = new SimulatedDriver(ram, GuestAddress.of(0), RAM);
        host = driver.attach(device, null, "test/rng0");
        if (!driver.initialize(features, 64) && requireOk) {
            throw new IllegalStateException("device refused features or DRIVER_OK: " + host);
        }
    }

    QueueDriver queue() {
        return driver.queue(RngDevice.REQUEST_QUEUE);
    }

    /** @return a fresh 16-byte-aligned guest buffer */
    GuestAddress buffer(int length) {
        return driver.allocate(length, 16);
    }

    /** Posts one chain of the given buffers and kicks. @return the chain id */
    int post(GuestAddress[] buffers, int[] lengths, boolean[] writable, boolean indirect) {
        long[] addrs = new long[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            addrs[i] = buffers[i].value();
        }
        int id = queue().add(addrs, lengths, writable, buffers.length, indirect);
        if (id < 0) {
            throw new IllegalStateException("ring full");
        }
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
        return queue().pollUsed() ? queue().usedLength() : -1;
    }

    byte[] read(GuestAddress at, int length) {
        byte[] b = new byte[length];
        try {
            ram.read(at.value(), MemorySegment.ofArray(b), 0, length);
        } catch (GuestMemoryException e) {
            throw new IllegalStateException(e);
        }
        return b;
    }

    @Override
    public void close() {
        host.setStatus(0);
        ram.close();
    }
}
