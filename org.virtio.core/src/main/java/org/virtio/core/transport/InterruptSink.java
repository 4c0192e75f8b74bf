package org.virtio.core.transport;

import org.osgi.annotation.versioning.ConsumerType;

/** How a transport raises notifications to the driver (irqfd, MSI-X, adapter interrupts, a test). */
@ConsumerType
public interface InterruptSink {
    /** @param queue the queue with new used buffers */
    void usedBuffer(int queue);

    /** The device configuration changed, or the device set DEVICE_NEEDS_RESET. */
    void configChange();
}
