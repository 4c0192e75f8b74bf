package org.virtio.core.memory;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Translates device (I/O virtual) addresses to guest-physical addresses, for devices that negotiated
 * VIRTIO_F_ACCESS_PLATFORM behind a virtio-iommu (or any platform IOMMU). Implemented by the IOMMU.
 *
 * <p>A translation is valid for a whole granule: within one aligned block of {@code 1 << granuleShift()}
 * bytes the mapping is contiguous, so callers translate a buffer granule by granule and never assume
 * two granules are adjacent in guest-physical space.
 */
@ConsumerType
public interface AddressTranslator {

    /** @return log2 of the translation granule (12 for 4 KiB pages) */
    int granuleShift();

    /**
     * @param iova   the device address
     * @param access the access the device is about to make
     * @return the guest-physical address iova maps to
     * @throws GuestMemoryException with {@link MemoryError#TRANSLATION_FAULT} when no mapping allows it
     */
    long translate(long iova, Access access) throws GuestMemoryException;
}
