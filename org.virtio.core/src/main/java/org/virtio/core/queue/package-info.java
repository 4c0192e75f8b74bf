/**
 * Virtqueues, device side (VirtIO 1.3 §2.7 split, §2.8 packed): popping available descriptor chains,
 * publishing used buffers in batches, notification suppression (flags and VIRTIO_F_EVENT_IDX),
 * VIRTIO_F_IN_ORDER, and the queue state a live swap hands over. Every guest-written field is checked;
 * a malformed ring or chain puts the queue into the {@linkplain org.virtio.core.queue.VirtQueue#isBroken()
 * broken} state with a {@link org.virtio.core.queue.QueueError} and reports it, and no exception leaves the
 * queue API because of guest input.
 */
@Version("1.1.0")
package org.virtio.core.queue;

import org.osgi.annotation.versioning.Version;
