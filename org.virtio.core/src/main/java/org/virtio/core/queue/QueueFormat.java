package org.virtio.core.queue;

/** The ring layout a queue uses, fixed by whether VIRTIO_F_RING_PACKED was negotiated. */
public enum QueueFormat {
    /** Split virtqueue: descriptor table, available ring, used ring (VirtIO 1.3 §2.7). */
    SPLIT,
    /** Packed virtqueue: one descriptor ring plus two event suppression structures (VirtIO 1.3 §2.8). */
    PACKED
}
