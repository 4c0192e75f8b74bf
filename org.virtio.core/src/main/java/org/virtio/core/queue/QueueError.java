package org.virtio.core.queue;

/**
 * Every way a driver can break a virtqueue. Each is a guest mistake the device answers by marking itself
 * DEVICE_NEEDS_RESET (VirtIO 1.3 §2.1.2) rather than guessing what the driver meant.
 */
public enum QueueError {
    /** Queue size zero, above the device maximum, or (split) not a power of two. */
    INVALID_SIZE("queue size is zero, above the maximum, or not a power of 2 for a split ring"),
    /** A ring area is not aligned as §2.7 (16/2/4) or §2.8 (16/4/4) require. */
    RING_MISALIGNED("ring area misaligned"),
    /** A ring area is outside guest RAM, read-only, or has no IOMMU mapping. */
    RING_OUT_OF_RANGE("ring area outside guest memory"),
    /** The available index moved ahead of the device by more than the queue size. */
    AVAIL_INDEX_JUMP("available index moved by more than the queue size"),
    /** A head or next index is at or beyond the queue (or indirect table) size. */
    DESCRIPTOR_INDEX_OUT_OF_RANGE("descriptor index out of range"),
    /** The chain visits more descriptors than the queue size allows: a loop or an over-long chain. */
    CHAIN_TOO_LONG("descriptor chain is longer than the queue size (or loops)"),
    /** VIRTQ_DESC_F_INDIRECT set without VIRTIO_F_INDIRECT_DESC negotiated. */
    INDIRECT_NOT_NEGOTIATED("indirect descriptor without VIRTIO_F_INDIRECT_DESC"),
    /** An indirect descriptor inside an indirect table. */
    NESTED_INDIRECT("indirect descriptor inside an indirect table"),
    /** VIRTQ_DESC_F_INDIRECT and VIRTQ_DESC_F_NEXT both set. */
    INDIRECT_WITH_NEXT("indirect descriptor also has NEXT set"),
    /** An indirect table whose length is zero or not a multiple of 16 bytes. */
    INDIRECT_TABLE_LENGTH("indirect table length is zero or not a multiple of 16"),
    /** A device-readable descriptor after a device-writable one (§2.7.4.2 / §2.8.17). */
    READABLE_AFTER_WRITABLE("device-readable descriptor after a device-writable one"),
    /** A buffer of length zero. */
    ZERO_LENGTH_BUFFER("zero-length buffer"),
    /** A buffer outside guest RAM, writable buffer in read-only memory, or address overflow. */
    BUFFER_OUT_OF_RANGE("buffer outside guest memory"),
    /** No IOMMU mapping allows the access (VIRTIO_F_ACCESS_PLATFORM). */
    TRANSLATION_FAULT("no IOMMU mapping for a buffer"),
    /** More chains in flight than the queue has descriptors: the driver reused a busy descriptor. */
    TOO_MANY_IN_FLIGHT("more chains in flight than the queue size");

    private final String message;

    QueueError(String message) {
        this.message = message;
    }

    /** @return a one-line description for logs */
    public String message() {
        return message;
    }
}
