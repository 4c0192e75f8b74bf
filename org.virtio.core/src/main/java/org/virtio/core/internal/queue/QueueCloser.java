package org.virtio.core.internal.queue;

import org.virtio.core.queue.VirtQueue;

/** Lets the device host close queues without making close() part of the public queue API. */
public final class QueueCloser {
    private QueueCloser() {
    }

    /** @param queue a queue opened by this bundle; it stops touching guest memory */
    public static void close(VirtQueue queue) {
        if (queue instanceof AbstractVirtQueue q) {
            q.close();
        }
    }
}
