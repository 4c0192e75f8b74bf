package org.virtio.core.memory;

/** The direction of a guest-memory access, checked against region and IOMMU permissions. */
public enum Access {
    /** The device reads the range (a driver-readable, device-readable buffer). */
    READ,
    /** The device writes the range (a device-writable buffer). */
    WRITE
}
