package org.virtio.core.memory;

import java.lang.foreign.MemorySegment;
import java.util.OptionalInt;

import org.osgi.annotation.versioning.ProviderType;

/** One contiguous range of guest-physical memory and the host segment backing it. */
@ProviderType
public interface MemoryRegion {
    /** @return the first guest-physical address of the region */
    GuestAddress start();

    /** @return the size in bytes */
    long size();

    /** @return whether device writes into the region are refused */
    boolean readOnly();

    /** @return the host memory backing the region; only the VMM (KVM memory slots, vhost-user) needs it */
    MemorySegment segment();

    /**
     * @return the memfd backing the region, so another process (vhost-user, KVM) can map the same
     *         pages; empty for plain arena memory
     */
    OptionalInt memfd();

    /** @param gpa a guest-physical address  @return whether gpa lies inside this region */
    default boolean contains(long gpa) {
        long offset = gpa - start().value();
        return Long.compareUnsigned(offset, size()) < 0;
    }
}
