package org.virtio.core.memory;

import java.lang.foreign.MemorySegment;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The guest-physical address space as the device sees it: a set of non-overlapping regions. Every
 * method checks that the whole range lies in one region (ranges never straddle two regions, as in
 * rust-vmm's {@code check_range}), that {@code gpa + len} does not overflow, and that writes do not hit
 * read-only regions. Accessors are little-endian, as VirtIO 1.x rings and config are.
 *
 * <p>The hot path uses {@link #regionIndex} once per buffer and then copies with
 * {@link #regionSegment}, which allocates nothing.
 */
@ProviderType
public interface GuestMemory {

    /** @return the regions, ordered by start address */
    List<MemoryRegion> regions();

    /**
     * Checks a range and names the region that holds it.
     *
     * @param gpa    first guest-physical address
     * @param length number of bytes (0 is allowed and checks only gpa)
     * @param access the access the caller is about to make
     * @return the index of the region holding the whole range, for {@link #regionSegment}
     * @throws GuestMemoryException when the range is not accessible as asked
     */
    int regionIndex(long gpa, long length, Access access) throws GuestMemoryException;

    /**
     * @param index a region index returned by {@link #regionIndex}
     * @return the whole host segment of that region
     */
    MemorySegment regionSegment(int index);

    /**
     * @param index a region index returned by {@link #regionIndex}
     * @return the guest-physical start of that region
     */
    long regionStart(int index);

    /**
     * @param gpa    first guest-physical address
     * @param length number of bytes
     * @param access the access the caller is about to make
     * @return whether the range is accessible as asked
     */
    default boolean check(long gpa, long length, Access access) {
        try {
            regionIndex(gpa, length, access);
            return true;
        } catch (GuestMemoryException e) {
            return false;
        }
    }

    /**
     * A zero-copy view of guest memory. Bounded: the slice cannot reach outside the checked range.
     *
     * @param gpa    first guest-physical address
     * @param length number of bytes
     * @param access the access the caller is about to make
     * @return a segment of exactly {@code length} bytes
     * @throws GuestMemoryException when the range is not accessible as asked
     */
    default MemorySegment slice(long gpa, long length, Access access) throws GuestMemoryException {
        int index = regionIndex(gpa, length, access);
        return regionSegment(index).asSlice(gpa - regionStart(index), length);
    }

    /** @param gpa address  @return the byte there  @throws GuestMemoryException when out of range */
    byte readByte(long gpa) throws GuestMemoryException;

    /** @param gpa address  @return the little-endian 16-bit value there  @throws GuestMemoryException when out of range */
    short readShort(long gpa) throws GuestMemoryException;

    /** @param gpa address  @return the little-endian 32-bit value there  @throws GuestMemoryException when out of range */
    int readInt(long gpa) throws GuestMemoryException;

    /** @param gpa address  @return the little-endian 64-bit value there  @throws GuestMemoryException when out of range */
    long readLong(long gpa) throws GuestMemoryException;

    /** @param gpa address  @param value value  @throws GuestMemoryException when out of range or read-only */
    void writeByte(long gpa, byte value) throws GuestMemoryException;

    /** @param gpa address  @param value value, stored little-endian  @throws GuestMemoryException when out of range or read-only */
    void writeShort(long gpa, short value) throws GuestMemoryException;

    /** @param gpa address  @param value value, stored little-endian  @throws GuestMemoryException when out of range or read-only */
    void writeInt(long gpa, int value) throws GuestMemoryException;

    /** @param gpa address  @param value value, stored little-endian  @throws GuestMemoryException when out of range or read-only */
    void writeLong(long gpa, long value) throws GuestMemoryException;

    /**
     * Copies guest memory into a host segment.
     *
     * @param gpa    source guest address
     * @param dst    destination
     * @param dstOff offset in dst
     * @param length bytes to copy
     * @throws GuestMemoryException when the guest range is not readable
     */
    void read(long gpa, MemorySegment dst, long dstOff, long length) throws GuestMemoryException;

    /**
     * Copies a host segment into guest memory.
     *
     * @param gpa    destination guest address
     * @param src    source
     * @param srcOff offset in src
     * @param length bytes to copy
     * @throws GuestMemoryException when the guest range is not writable
     */
    void write(long gpa, MemorySegment src, long srcOff, long length) throws GuestMemoryException;
}
