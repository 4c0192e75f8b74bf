package org.virtio.core.transport;

import org.osgi.annotation.versioning.ProviderType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.internal.device.DeviceHostImpl;
import org.virtio.core.memory.AddressTranslator;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.queue.QueueFormat;

/**
 * The transport-independent face of one device, driven by a transport's registers. Thread-safe: register
 * accesses, notifications and snapshot calls may come from different threads and are serialised.
 *
 * <p>Guest mistakes never throw: a status write the spec forbids is ignored (and logged), features not
 * offered make FEATURES_OK stay clear, an unusable queue configuration at DRIVER_OK sets
 * DEVICE_NEEDS_RESET.
 */
@ProviderType
public interface VirtioDeviceHost {

    /**
     * @param device     the device implementation
     * @param memory     guest memory
     * @param interrupts how to reach the driver
     * @param translator IOMMU for ACCESS_PLATFORM, or null
     * @param name       for log lines, e.g. {@code vm1/rng0}
     * @return a host in the reset state
     */
    static VirtioDeviceHost create(VirtioDevice device, GuestMemory memory, InterruptSink interrupts,
            AddressTranslator translator, String name) {
        return new DeviceHostImpl(device, memory, interrupts, translator, name);
    }

    /** @return the device id */
    int deviceType();

    /** @return the device being hosted */
    VirtioDevice device();

    /** @return offered features: the device's plus the ring features the core implements and VERSION_1 */
    long deviceFeatures();

    /** @return features the driver wrote */
    long driverFeatures();

    /**
     * The driver writes its features (transports assemble the 32-bit halves). Ignored after FEATURES_OK.
     *
     * @param features the driver's choice
     */
    void setDriverFeatures(long features);

    /** @return the device status byte */
    int status();

    /**
     * The driver writes the status byte. 0 resets the device. Setting FEATURES_OK checks the driver's
     * features; setting DRIVER_OK opens the enabled queues and activates the device.
     *
     * @param status the new status byte
     */
    void setStatus(int status);

    /** @return the number of queues */
    int queueCount();

    /** @param queue index  @return the device's maximum size for that queue */
    int maxQueueSize(int queue);

    /** @param queue index  @return the size the driver chose (defaults to the maximum) */
    int queueSize(int queue);

    /** @param queue index  @param size the driver's queue size */
    void setQueueSize(int queue, int size);

    /**
     * @param queue      index
     * @param descArea   descriptor table / ring
     * @param driverArea available ring / driver event suppression
     * @param deviceArea used ring / device event suppression
     */
    void setQueueAddresses(int queue, GuestAddress descArea, GuestAddress driverArea, GuestAddress deviceArea);

    /** @param queue index  @return whether the driver enabled it */
    boolean queueReady(int queue);

    /**
     * Enables a queue. Queue registers (size, addresses, ready) are ignored after DRIVER_OK, except for a
     * queue that is not enabled when VIRTIO_F_RING_RESET was negotiated: enabling such a queue after
     * DRIVER_OK (the re-enable of §2.6.1.2) opens it at once with the size and addresses written since its
     * reset, and the device finds it through {@link org.virtio.core.device.DeviceContext#queue}.
     *
     * @param queue index
     * @param ready the new state
     */
    void setQueueReady(int queue, boolean ready);

    /**
     * Resets one queue (VirtIO 1.3 §2.6.1.1), when VIRTIO_F_RING_RESET was negotiated; otherwise ignored. The
     * queue is closed (the device no longer reads or writes its rings and sends no notification for it),
     * the device is told through {@link VirtioDevice#queueReset} to drop the chains it holds from it, and
     * the queue's registers return to their defaults: size = maximum, addresses 0, not ready. The reset is
     * complete when this method returns; the driver may then reprogram and re-enable the queue
     * ({@link #setQueueReady}).
     *
     * @param queue index; out of range is ignored
     */
    void resetQueue(int queue);

    /**
     * For transports whose reset register reads 1 until the queue is enabled again (virtio-pci's
     * {@code queue_reset}); virtio-mmio's QueueReset reads 0 once the reset has completed.
     *
     * @param queue index
     * @return whether the queue was reset by {@link #resetQueue} and has not been enabled since (a device
     *         reset or FEATURES_OK clears this)
     */
    boolean queueInReset(int queue);

    /** @return the ring layout the negotiated features select */
    QueueFormat queueFormat();

    /** @return the configuration generation counter (§2.5) */
    int configGeneration();

    /** @return the device-specific configuration size in bytes */
    int configSize();

    /**
     * Reads configuration; out-of-range bytes read as 0 (a driver mistake, not ours to crash on).
     *
     * @param offset byte offset
     * @param width  1, 2, 4 or 8
     * @return the little-endian value
     */
    long readConfig(int offset, int width);

    /**
     * Writes configuration; out-of-range writes are ignored.
     *
     * @param offset byte offset
     * @param width  1, 2, 4 or 8
     * @param value  the little-endian value
     */
    void writeConfig(int offset, int width, long value);

    /** @param queue the queue the driver notified; ignored before DRIVER_OK or for disabled queues */
    void notifyQueue(int queue);

    /**
     * Completes in-flight requests and holds notifications until {@link #resume}; required before
     * {@link #snapshot}. Returns once the device is idle.
     */
    void quiesce();

    /** @return the state of a quiesced device  @throws IllegalStateException when not quiesced */
    DeviceSnapshot snapshot();

    /**
     * Restores a snapshot into this (reset, not yet used) host, validating it; the queues reopen at the
     * saved positions, the device is activated if the snapshot had DRIVER_OK, and the host stays quiesced
     * until {@link #resume}.
     *
     * @param snapshot the state, from this or another implementation of the same device type
     * @throws IllegalArgumentException naming what is wrong when the snapshot does not fit
     */
    void restore(DeviceSnapshot snapshot);

    /** Ends quiescence: notifications that arrived meanwhile are delivered (at least one per queue). */
    void resume();

    /**
     * Replaces the implementation serving this device while the driver keeps using it (live swap): the old
     * device finishes its in-flight requests ({@link VirtioDevice#quiesce}), its {@link VirtioDevice#saveState}
     * goes into the replacement's {@link VirtioDevice#restoreState}, and the replacement is activated on the
     * same open queues, so ring positions, negotiated features, status and config generation are untouched
     * and every request is completed exactly once. Notifications arriving meanwhile wait on the host's lock;
     * afterwards each open queue is notified once so nothing queued during the swap is left behind. Works in
     * any state (before DRIVER_OK only the object changes).
     *
     * <p>On an exception nothing has changed and the old device keeps serving.
     *
     * @param replacement a new, unused instance of the same device type with the same queue count and config
     *                    size, offering at least the device features the driver was offered
     * @return the replaced device, no longer called by the host; the caller releases its resources
     * @throws IllegalArgumentException naming the mismatch, or from the replacement's restoreState
     */
    VirtioDevice swapDevice(VirtioDevice replacement);

    /** @return the last reason the device set DEVICE_NEEDS_RESET, or null */
    String needsResetReason();

    /** @return the name used in log lines */
    String name();
}
