package org.virtio.core.queue;

import org.osgi.annotation.versioning.ConsumerType;

/** Sends a used buffer notification (an interrupt) for a queue; implemented by the transport. */
@ConsumerType
@FunctionalInterface
public interface UsedBufferNotifier {
    /** @param queueIndex the queue whose used ring has new entries the driver asked to hear about */
    void notifyUsedBuffers(int queueIndex);
}
