package org.virtio.core.device;

import org.osgi.annotation.versioning.ProviderType;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.queue.VirtQueue;

/** What the core hands a device at DRIVER_OK. Valid until the device is reset. */
@ProviderType
public interface DeviceContext {

    /** @return the features both sides agreed on */
    long negotiatedFeatures();

    /** @param index queue index  @return the open queue, or null when the driver did not enable it */
    VirtQueue queue(int index);

    /** @return guest memory, for devices that need more than their chains (rare) */
    GuestMemory memory();

    /** Device-specific configuration changed: bump the generation and send a configuration change notification. */
    void configChanged();

    /**
     * The device hit an error only a reset can clear (§2.1.2): set DEVICE_NEEDS_RESET and notify.
     *
     * @param reason for the log
     */
    void needsReset(String reason);

    /** @return a short name for log lines, e.g. {@code vm1/rng0} */
    String name();
}
