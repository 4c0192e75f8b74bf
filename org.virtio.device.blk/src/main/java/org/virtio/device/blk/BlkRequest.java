package org.virtio.device.blk;

import static org.virtio.device.blk.BlkSpec.HEADER_SIZE;
import static org.virtio.device.blk.BlkSpec.ID_BYTES;
import static org.virtio.device.blk.BlkSpec.SECTOR_SHIFT;
import static org.virtio.device.blk.BlkSpec.SECTOR_SIZE;
import static org.virtio.device.blk.BlkSpec.SEGMENT_SIZE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.virtio.core.queue.DescriptorChain;

/**
 * One virtio-blk request (VirtIO 1.3 §5.2.6), parsed and validated before any I/O: parse, then act.
 *
 * <p>Layout of a chain, as two byte streams: the device-readable part holds the 16-byte header (type,
 * reserved, sector), then the OUT data or the DISCARD / WRITE_ZEROES segment; the device-writable part
 * holds the IN or GET_ID data, and its last byte is the status. Either header or data may be split over
 * any number of descriptors: offsets are in the streams, never in descriptors.
 *
 * <p>The device keeps one instance and re-parses into it for every chain, so parsing allocates nothing
 * (the header is read into a preallocated 16-byte scratch segment). After {@link #parse} returns null the
 * accessors describe a request whose sector range lies within the capacity and whose buffers have the
 * right direction and size.
 */
final class BlkRequest {
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Largest IN/OUT data length: the used length (data + status) must fit an int. */
    static final long MAX_DATA_BYTES = (Integer.MAX_VALUE - 1L) & -SECTOR_SIZE;

    private final long capacity;
    private final boolean readOnly;
    private final long maxDiscardSectors;
    private final long maxWriteZeroesSectors;
    private final MemorySegment scratch = MemorySegment.ofArray(new byte[HEADER_SIZE]);

    private int type;
    private long sector;
    private long dataLength;
    private long statusOffset;
    private long sectorCount;
    private int segmentFlags;

    /**
     * @param capacity              disk size in 512-byte sectors
     * @param readOnly              whether writes, discards and write zeroes are refused
     * @param maxDiscardSectors     the config's max_discard_sectors
     * @param maxWriteZeroesSectors the config's max_write_zeroes_sectors
     */
    BlkRequest(long capacity, boolean readOnly, long maxDiscardSectors, long maxWriteZeroesSectors) {
        this.capacity = capacity;
        this.readOnly = readOnly;
        this.maxDiscardSectors = maxDiscardSectors;
        this.maxWriteZeroesSectors = maxWriteZeroesSectors;
    }

    /**
     * Parses one chain into this object. Never throws on guest input.
     *
     * @param chain a chain just popped from the request queue
     * @return null when the request is valid, else why not; after {@link BlkError#NO_STATUS_BYTE} nothing
     *         else is set, after any other error {@link #statusOffset()} is valid
     */
    BlkError parse(DescriptorChain chain) {
        type = -1;
        sector = 0;
        dataLength = 0;
        sectorCount = 0;
        segmentFlags = 0;
        long writable = chain.writableBytes();
        if (writable < 1) {
            statusOffset = -1;
            return BlkError.NO_STATUS_BYTE;
        }
        statusOffset = writable - 1;
        long readable = chain.readableBytes();
        if (readable < HEADER_SIZE || chain.read(0, scratch, 0, HEADER_SIZE) != HEADER_SIZE) {
            return BlkError.HEADER_TOO_SHORT;
        }
        type = scratch.get(INT_LE, 0);
        long readData = readable - HEADER_SIZE;
        long writeData = writable - 1;
        return switch (type) {
            case BlkSpec.T_IN -> {
                if (readData != 0) {
                    yield BlkError.WRONG_DIRECTION;
                }
                yield dataRange(scratch.get(LONG_LE, 8), writeData);
            }
            case BlkSpec.T_OUT -> {
                if (writeData != 0) {
                    yield BlkError.WRONG_DIRECTION;
                }
                if (readOnly) {
                    yield BlkError.READ_ONLY;
                }
                yield dataRange(scratch.get(LONG_LE, 8), readData);
            }
            case BlkSpec.T_FLUSH -> readData != 0 || writeData != 0 ? BlkError.WRONG_DIRECTION : null;
            case BlkSpec.T_GET_ID -> {
                if (readData != 0) {
                    yield BlkError.WRONG_DIRECTION;
                }
                dataLength = writeData;
                yield writeData < ID_BYTES ? BlkError.BAD_ID_LENGTH : null;
            }
            case BlkSpec.T_DISCARD -> segment(chain, readData, writeData, maxDiscardSectors, true);
            case BlkSpec.T_WRITE_ZEROES -> segment(chain, readData, writeData, maxWriteZeroesSectors, false);
            default -> BlkError.UNSUPPORTED_TYPE;
        };
    }

    /** Checks an IN/OUT data length and the sector range it covers. */
    private BlkError dataRange(long startSector, long length) {
        sector = startSector;
        dataLength = length;
        if ((length & (SECTOR_SIZE - 1)) != 0) {
            return BlkError.DATA_NOT_SECTOR_MULTIPLE;
        }
        if (length > MAX_DATA_BYTES) {
            return BlkError.REQUEST_TOO_LARGE;
        }
        sectorCount = length >>> SECTOR_SHIFT;
        return inCapacity(startSector, sectorCount) ? null : BlkError.OUT_OF_RANGE;
    }

    /** Parses the one DISCARD / WRITE_ZEROES segment (max_*_seg is 1). */
    private BlkError segment(DescriptorChain chain, long readData, long writeData, long maxSectors, boolean discard) {
        if (writeData != 0) {
            return BlkError.WRONG_DIRECTION;
        }
        if (readData != SEGMENT_SIZE || chain.read(HEADER_SIZE, scratch, 0, SEGMENT_SIZE) != SEGMENT_SIZE) {
            return BlkError.BAD_SEGMENT_COUNT;
        }
        sector = scratch.get(LONG_LE, 0);
        sectorCount = Integer.toUnsignedLong(scratch.get(INT_LE, 8));
        segmentFlags = scratch.get(INT_LE, 12);
        if ((segmentFlags & ~BlkSpec.FLAG_UNMAP) != 0) {
            return BlkError.UNKNOWN_FLAGS;
        }
        if (discard && (segmentFlags & BlkSpec.FLAG_UNMAP) != 0) {
            return BlkError.UNMAP_ON_DISCARD;
        }
        if (readOnly) {
            return BlkError.READ_ONLY;
        }
        if (sectorCount > maxSectors) {
            return BlkError.SEGMENT_TOO_LARGE;
        }
        return inCapacity(sector, sectorCount) ? null : BlkError.OUT_OF_RANGE;
    }

    /**
     * @param start a guest sector number, unsigned 64-bit
     * @param count sectors, non-negative
     * @return whether [start, start + count) lies within the capacity, without overflow
     */
    private boolean inCapacity(long start, long count) {
        if (start < 0 || start > capacity) { // negative: above 2^63 as an unsigned guest value
            return false;
        }
        try {
            return Math.addExact(start, count) <= capacity;
        } catch (ArithmeticException e) {
            return false;
        }
    }

    /** @return the request type, or -1 when the header was not read */
    int type() {
        return type;
    }

    /** @return first sector (IN, OUT, and the DISCARD / WRITE_ZEROES segment) */
    long sector() {
        return sector;
    }

    /** @return sectors covered (IN, OUT, DISCARD, WRITE_ZEROES) */
    long sectorCount() {
        return sectorCount;
    }

    /** @return IN / OUT / GET_ID data bytes */
    long dataLength() {
        return dataLength;
    }

    /** @return offset of the status byte in the writable stream, or -1 when there is none */
    long statusOffset() {
        return statusOffset;
    }

    /** @return the DISCARD / WRITE_ZEROES segment flags */
    int segmentFlags() {
        return segmentFlags;
    }
}
