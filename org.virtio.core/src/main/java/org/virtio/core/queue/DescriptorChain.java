package org.virtio.core.queue;

import java.lang.foreign.MemorySegment;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One validated descriptor chain: the device-readable buffers first, then the device-writable ones,
 * every buffer already checked to lie in guest memory with the right permission. The object belongs
 * to its queue and is recycled once it is {@linkplain VirtQueue#add added to the used ring}: do not keep
 * it after that.
 *
 * <p>Buffers are addressed in two ways: by index ({@link #address}, {@link #length}, {@link #segment})
 * and as two byte streams, the readable part and the writable part ({@link #read}, {@link #write}), so
 * a request header that the driver split over several descriptors still reads as one.
 */
@ProviderType
public interface DescriptorChain {

    /** @return the id the used element carries: the head index (split) or the buffer id (packed) */
    int id();

    /** @return the number of buffers (elements), readable ones first */
    int bufferCount();

    /** @return how many of the first buffers are device-readable */
    int readableCount();

    /** @param i buffer index  @return its guest-physical address */
    long address(int i);

    /** @param i buffer index  @return its length in bytes (never zero; descriptors carry up to 2^32 - 1) */
    long length(int i);

    /** @param i buffer index  @return whether the device may write it */
    boolean isWritable(int i);

    /** @return total bytes in the device-readable buffers */
    long readableBytes();

    /** @return total bytes in the device-writable buffers */
    long writableBytes();

    /**
     * @param i buffer index
     * @return a zero-copy view of the buffer in guest memory, bounded to the buffer; read-only for
     *         device-readable buffers
     */
    MemorySegment segment(int i);

    /**
     * Copies from the readable part, as if its buffers were one byte stream.
     *
     * @param offset offset in the readable stream
     * @param dst    destination
     * @param dstOff offset in dst
     * @param length bytes wanted
     * @return bytes copied: less than length when the readable part ends first
     */
    long read(long offset, MemorySegment dst, long dstOff, long length);

    /**
     * Copies into the writable part, as if its buffers were one byte stream.
     *
     * @param offset offset in the writable stream
     * @param src    source
     * @param srcOff offset in src
     * @param length bytes to write
     * @return bytes copied: less than length when the writable part ends first
     */
    long write(long offset, MemorySegment src, long srcOff, long length);
}
