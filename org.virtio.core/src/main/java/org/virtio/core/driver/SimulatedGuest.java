package org.virtio.core.driver;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import org.virtio.core.device.VirtioDevice;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.GuestRam;
import org.virtio.core.transport.VirtioDeviceHost;

/**
 * One device behind a {@link SimulatedDriver} over guest RAM of its own: the set-up and tear-down that
 * device tests, benchmarks and demos otherwise each repeat. The RAM is anonymous memory from guest address
 * 0, and all of it is the driver's window for rings and buffers. Closing writes 0 to the device status
 * (a reset, VirtIO 1.3 §2.4) and then frees the RAM.
 */
public final class SimulatedGuest implements AutoCloseable {
    private final GuestRam ram;
    private final SimulatedDriver driver;
    private final VirtioDeviceHost host;

    private SimulatedGuest(GuestRam ram, SimulatedDriver driver, VirtioDeviceHost host) {
        this.ram = ram;
        this.driver = driver;
        this.host = host;
    }

    /**
     * Creates the RAM and the driver and attaches the device, without initialising it.
     *
     * @param device   the device
     * @param name     the device host's log name
     * @param ramBytes size of the guest RAM, a positive multiple of the page size
     * @return the guest; close it
     */
    public static SimulatedGuest attach(VirtioDevice device, String name, long ramBytes) {
        Objects.requireNonNull(device, "device");
        GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), ramBytes).build();
        try {
            SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), ramBytes);
            VirtioDeviceHost host = driver.attach(device, null, name);
            return new SimulatedGuest(ram, driver, host);
        } catch (RuntimeException e) {
            ram.close();
            throw e;
        }
    }

    /**
     * {@link #attach} and then the §3.1.1 initialisation, which must end DRIVER_OK.
     *
     * @param device    the device
     * @param name      the device host's log name
     * @param ramBytes  size of the guest RAM, a positive multiple of the page size
     * @param features  features the driver wants (it gets those the device also offers)
     * @param queueSize size for every queue (capped at each queue's maximum)
     * @return the guest with the device DRIVER_OK; close it
     * @throws IllegalStateException when the device refused the features or did not reach DRIVER_OK (the
     *                               guest is closed then)
     */
    public static SimulatedGuest start(VirtioDevice device, String name, long ramBytes, long features, int queueSize) {
        SimulatedGuest guest = attach(device, name, ramBytes);
        boolean ok = false;
        try {
            ok = guest.initialize(features, queueSize);
        } finally {
            if (!ok) {
                guest.close();
            }
        }
        if (!ok) {
            throw new IllegalStateException("device refused features or DRIVER_OK: " + guest.host);
        }
        return guest;
    }

    /**
     * Runs {@link SimulatedDriver#initialize}.
     *
     * @param features  features the driver wants
     * @param queueSize size for every queue
     * @return whether the device accepted the features and is now DRIVER_OK
     */
    public boolean initialize(long features, int queueSize) {
        return driver.initialize(features, queueSize);
    }

    /** @return the guest RAM */
    public GuestRam ram() {
        return ram;
    }

    /** @return the driver */
    public SimulatedDriver driver() {
        return driver;
    }

    /** @return the device host the driver drives */
    public VirtioDeviceHost host() {
        return host;
    }

    /**
     * @param length bytes
     * @return a fresh 16-byte-aligned buffer from the driver's window
     */
    public GuestAddress buffer(long length) {
        return driver.allocate(length, 16);
    }

    /**
     * Makes one chain available on a queue, without notifying the device.
     *
     * @param queue    queue index
     * @param buffers  the buffers' addresses, device-readable ones first
     * @param lengths  their lengths
     * @param writable which are device-writable
     * @param indirect whether to use an indirect table (§2.7.5.3)
     * @return the chain id
     * @throws IllegalStateException when the ring has no room
     */
    public int add(int queue, GuestAddress[] buffers, int[] lengths, boolean[] writable, boolean indirect) {
        long[] addrs = new long[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            addrs[i] = buffers[i].value();
        }
        int id = driver.queue(queue).add(addrs, lengths, writable, buffers.length, indirect);
        if (id < 0) {
            throw new IllegalStateException("queue " + queue + ": ring full");
        }
        return id;
    }

    /**
     * @param queue queue index
     * @return the used length of the next used chain on that queue, or -1 when the device used none
     */
    public int usedLength(int queue) {
        QueueDriver q = driver.queue(queue);
        return q.pollUsed() ? q.usedLength() : -1;
    }

    /**
     * Writes bytes into guest RAM.
     *
     * @throws IllegalArgumentException when the range is not all guest RAM
     */
    public void write(GuestAddress at, byte[] src, int offset, int length) {
        try {
            ram.write(at.value(), MemorySegment.ofArray(src), offset, length);
        } catch (GuestMemoryException e) {
            throw new IllegalArgumentException("guest write of " + length + " bytes at " + at + ": " + e.getMessage(), e);
        }
    }

    /** Writes all of {@code src} into guest RAM at {@code at}. */
    public void write(GuestAddress at, byte[] src) {
        write(at, src, 0, src.length);
    }

    /**
     * @return {@code length} bytes of guest RAM from {@code at}
     * @throws IllegalArgumentException when the range is not all guest RAM
     */
    public byte[] read(GuestAddress at, int length) {
        byte[] b = new byte[length];
        try {
            ram.read(at.value(), MemorySegment.ofArray(b), 0, length);
        } catch (GuestMemoryException e) {
            throw new IllegalArgumentException("guest read of " + length + " bytes at " + at + ": " + e.getMessage(), e);
        }
        return b;
    }

    /** Resets the device (status 0) and frees the RAM. */
    @Override
    public void close() {
        try {
            host.setStatus(0);
        } finally {
            ram.close();
        }
    }
}
