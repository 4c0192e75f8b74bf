package org.virtio.device.rng.backend;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Where an entropy device gets its bytes. The device {@linkplain #open opens} its source when the driver
 * sets DRIVER_OK and {@linkplain #close closes} it on reset, so a device that is not running holds no
 * file descriptor; a source can be opened again after it was closed. Calls never overlap: the device host
 * serialises every call into one device.
 */
public interface EntropySource {

    /**
     * Acquires what the source reads from (a file channel, a seeded generator).
     *
     * @throws IOException when the source cannot be opened
     */
    void open() throws IOException;

    /**
     * Fills {@code dst[offset, offset + length)} completely. Allocates nothing per call.
     *
     * @param dst    destination
     * @param offset first byte to fill
     * @param length bytes to fill, at least 1
     * @throws java.io.EOFException when a file source ends before {@code length} bytes were read
     * @throws IOException          when the source is not open or cannot be read
     */
    void fill(MemorySegment dst, long offset, int length) throws IOException;

    /** Releases what {@link #open} acquired; does nothing when the source is not open. */
    void close();

    /** @return a short description for log lines, e.g. {@code file /dev/urandom} */
    String description();
}
