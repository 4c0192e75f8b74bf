package org.virtio.device.console;

import java.nio.charset.StandardCharsets;

import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SimulatedDriver;
import org.virtio.core.driver.SimulatedGuest;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;
import org.virtio.core.transport.VirtioDeviceHost;

/** Test support: one console device behind {@link SimulatedDriver} over 1 MiB of heap-backed guest RAM. */
final class ConsoleHarness implements AutoCloseable {
    static final long SPLIT = VirtioFeatures.bit(VirtioFeatures.VERSION_1) | VirtioFeatures.bit(VirtioFeatures.EVENT_IDX)
            | VirtioFeatures.bit(VirtioFeatures.INDIRECT_DESC);
    static final long PACKED = SPLIT | VirtioFeatures.bit(VirtioFeatures.RING_PACKED);
    private static final long RAM = 1 << 20;

    final GuestRam ram;
    final SimulatedDriver driver;
    final VirtioDeviceHost host;
    private final SimulatedGuest guest;

    ConsoleHarness(VirtioDevice device, long features) {
        this(device, features, true);
    }

    /** @param requireOk whether to fail unless the device ends up DRIVER_OK without DEVICE_NEEDS_RESET */
    ConsoleHarness(VirtioDevice device, long features, boolean requireOk) {
        if (requireOk) {
            guest = SimulatedGuest.start(device, "test/console0", RAM, features, 64);
        } else {
            guest = SimulatedGuest.attach(device, "test/console0", RAM);
            guest.initialize(features, 64);
        }
        ram = guest.ram();
        driver = guest.driver();
        host = guest.host();
    }

    QueueDriver rx() {
        return driver.queue(ConsoleDevice.RECEIVE_QUEUE);
    }

    QueueDriver tx() {
        return driver.queue(ConsoleDevice.TRANSMIT_QUEUE);
    }

    /** @return a fresh 16-byte-aligned guest buffer */
    GuestAddress buffer(int length) {
        return guest.buffer(length);
    }

    /** Posts one chain on a queue, without kicking. @return the chain id */
    int add(int queue, GuestAddress[] buffers, int[] lengths, boolean[] writable, boolean indirect) {
        return guest.add(queue, buffers, lengths, writable, indirect);
    }

    /** Posts one chain and kicks. @return the chain id */
    int post(int queue, GuestAddress[] buffers, int[] lengths, boolean[] writable, boolean indirect) {
        int id = add(queue, buffers, lengths, writable, indirect);
        driver.kick(queue);
        return id;
    }

    /** Posts one writable receive buffer and kicks. @return the chain id */
    int postReceive(GuestAddress buffer, int length) {
        return post(ConsoleDevice.RECEIVE_QUEUE, new GuestAddress[] {buffer}, new int[] {length}, new boolean[] {true}, false);
    }

    /** Transmits the given bytes split into pieces of the given sizes, one chain. @return the used length */
    int transmit(byte[] data, int[] pieces, boolean indirect) {
        GuestAddress[] bufs = new GuestAddress[pieces.length];
        boolean[] writable = new boolean[pieces.length];
        int off = 0;
        for (int i = 0; i < pieces.length; i++) {
            bufs[i] = buffer(pieces[i]);
            write(bufs[i], data, off, pieces[i]);
            off += pieces[i];
        }
        if (off != data.length) {
            throw new IllegalArgumentException("pieces do not add up to the data");
        }
        post(ConsoleDevice.TRANSMIT_QUEUE, bufs, pieces, writable, indirect);
        return usedLength(ConsoleDevice.TRANSMIT_QUEUE);
    }

    int transmit(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return transmit(b, new int[] {b.length}, false);
    }

    /** @return the length of the next used buffer on the queue, or -1 when there is none */
    int usedLength(int queue) {
        return guest.usedLength(queue);
    }

    void write(GuestAddress at, byte[] src, int off, int length) {
        guest.write(at, src, off, length);
    }

    byte[] read(GuestAddress at, int length) {
        return guest.read(at, length);
    }

    @Override
    public void close() {
        guest.close();
    }
}
