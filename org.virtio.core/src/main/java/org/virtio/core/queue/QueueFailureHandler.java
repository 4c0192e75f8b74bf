package org.virtio.core.queue;

import org.osgi.annotation.versioning.ConsumerType;

/** Told once when a queue breaks on malformed guest input; the device status owner sets DEVICE_NEEDS_RESET. */
@ConsumerType
@FunctionalInterface
public interface QueueFailureHandler {
    /**
     * @param queueIndex the queue that broke
     * @param error      what the driver did wrong
     * @param detail     a human-readable detail (descriptor index, address) for the log
     */
    void queueFailed(int queueIndex, QueueError error, String detail);
}
