package org.virtio.core.device;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One device instance, as a device type bundle implements it. The core owns status, feature negotiation,
 * queue registers and config generation; the device owns its config space layout and request handling.
 *
 * <p>Lifecycle: {@link #activate} when the driver sets DRIVER_OK (the queues are open);
 * {@link #queueNotified} for each driver notification; {@link #queueReset} when the driver resets one queue;
 * {@link #quiesce} before a snapshot; {@link #reset}
 * when the driver writes 0 to status (or the VM goes away). Calls for one device never overlap.
 */
@ConsumerType
public interface VirtioDevice {

    /** @return the device type id (§5), e.g. {@link DeviceType#ENTROPY} */
    int deviceType();

    /** @return the device-specific feature bits offered; the core adds the ring and VERSION_1 bits */
    long deviceFeatures();

    /** @return how many virtqueues the device has */
    int queueCount();

    /** @param queue a queue index  @return the largest size the device accepts for it */
    int maxQueueSize(int queue);

    /** @return the size of the device-specific configuration space in bytes (0 when none) */
    int configSize();

    /**
     * Reads device-specific configuration. Must work before FEATURES_OK (§2.5.2).
     *
     * @param offset byte offset, already checked: offset + dst.length &lt;= configSize()
     * @param dst    where to put the bytes (little-endian fields)
     */
    void readConfig(int offset, byte[] dst);

    /**
     * The driver wrote device-specific configuration. Read-only fields are ignored.
     *
     * @param offset byte offset, already checked against configSize()
     * @param src    the bytes written
     */
    default void writeConfig(int offset, byte[] src) {
    }

    /**
     * The driver set DRIVER_OK: start serving the queues.
     *
     * @param context negotiated features, open queues, and the way back to the driver
     */
    void activate(DeviceContext context);

    /**
     * The driver notified a queue (an ioeventfd fired, or a register was written).
     *
     * @param queue the queue index
     */
    void queueNotified(int queue);

    /**
     * Finishes every request in flight and stops taking new ones, so the queues can be snapshotted. The
     * default suits devices that complete each request before returning from {@link #queueNotified}.
     */
    default void quiesce() {
    }

    /**
     * The driver reset one queue (VIRTIO_F_RING_RESET, VirtIO 1.3 §2.6.1.1); called only while activated.
     * The core has already closed the queue, so {@link DeviceContext#queue} returns null for it until the
     * driver re-enables it (then it returns the new queue). Drop every chain held from that queue without
     * completing it; keep serving the other queues. The default suits devices that hold no chains across
     * calls.
     *
     * @param queue the queue index
     */
    default void queueReset(int queue) {
    }

    /** @return device-specific state beyond the queues and config (for a swap); empty by default */
    default byte[] saveState() {
        return new byte[0];
    }

    /**
     * Restores what {@link #saveState} returned, before {@link #activate}. Hostile input: validate it.
     *
     * @param state the saved bytes
     * @throws IllegalArgumentException when the state is malformed
     */
    default void restoreState(byte[] state) {
        if (state.length != 0) {
            throw new IllegalArgumentException("device " + deviceType() + " keeps no state, got " + state.length + " bytes");
        }
    }

    /** The driver reset the device: stop, drop queue references, forget negotiated state. */
    void reset();
}
