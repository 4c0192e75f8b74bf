package org.virtio.device.blk.backend;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

import org.virtio.core.queue.DescriptorChain;

/**
 * A raw disk image file: sector {@code n} is bytes {@code [512n, 512n + 512)} of the file. The capacity
 * is the file size at open, rounded down to whole sectors; a tail shorter than a sector is never read or
 * written, and nothing is ever written at or beyond {@code capacity * 512} (every call re-checks its range,
 * whatever the caller validated).
 *
 * <p><b>Allocation.</b> Data moves between the image and guest memory through one direct scratch buffer
 * of {@value #SCRATCH_BYTES} bytes per backend, with positional {@link FileChannel} reads and writes and
 * the chain's {@link DescriptorChain#read} / {@link DescriptorChain#write} stream copies. That costs one
 * memory copy per byte but allocates nothing per request: no {@code ByteBuffer} views of guest segments
 * ({@code segment(i).asByteBuffer()} would be zero-copy but allocates a buffer object per descriptor), and
 * the JDK needs no temporary direct buffer because the scratch buffer already is one. Not thread-safe: one
 * queue thread uses a backend.
 */
public final class RawFileBackend implements AutoCloseable {
    /** Bytes per sector. */
    public static final int SECTOR_SIZE = 512;
    /** Size of the scratch (and zero) buffer: 128 KiB. */
    public static final int SCRATCH_BYTES = 128 * 1024;

    private final Path path;
    private final boolean readOnly;
    private final FileChannel channel;
    private final long capacity;
    private final ByteBuffer scratch;
    private final MemorySegment scratchSegment;
    /** All zero, never written: the source of WRITE_ZEROES. Allocated on first use. */
    private ByteBuffer zeroes;

    private RawFileBackend(Path path, boolean readOnly, FileChannel channel, long size) {
        this.path = path;
        this.readOnly = readOnly;
        this.channel = channel;
        this.capacity = size / SECTOR_SIZE;
        this.scratch = ByteBuffer.allocateDirect(SCRATCH_BYTES);
        this.scratchSegment = MemorySegment.ofBuffer(scratch);
    }

    /**
     * Opens an image.
     *
     * @param path     the image file
     * @param readOnly open for reading only (and refuse every write)
     * @return the open backend
     * @throws IOException when the file cannot be opened or sized
     */
    public static RawFileBackend open(Path path, boolean readOnly) throws IOException {
        Objects.requireNonNull(path, "path");
        FileChannel ch = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            return new RawFileBackend(path, readOnly, ch, ch.size());
        } catch (RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** @return the capacity in 512-byte sectors (file size rounded down) */
    public long capacity() {
        return capacity;
    }

    /** @return whether the image was opened read-only */
    public boolean readOnly() {
        return readOnly;
    }

    /** @return the image path */
    public Path path() {
        return path;
    }

    /**
     * Copies sectors from the image into the chain's writable part.
     *
     * @param sector    first sector
     * @param length    bytes, a multiple of 512
     * @param chain     the request chain
     * @param chainOff  offset in the chain's writable stream
     * @throws IOException when the range is outside the image, the file ends early, or reading fails
     */
    public void read(long sector, long length, DescriptorChain chain, long chainOff) throws IOException {
        long pos = checkRange(sector, length);
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(SCRATCH_BYTES, length - done);
            scratch.clear().limit(n);
            while (scratch.hasRemaining()) {
                if (channel.read(scratch, pos + done + scratch.position()) < 0) {
                    throw new EOFException(path + " ended at " + (pos + done + scratch.position()));
                }
            }
            if (chain.write(chainOff + done, scratchSegment, 0, n) != n) {
                throw new IOException("chain's writable part ended early"); // parse rules this out
            }
            done += n;
        }
    }

    /**
     * Copies the chain's readable bytes into the image.
     *
     * @param sector   first sector
     * @param length   bytes, a multiple of 512
     * @param chain    the request chain
     * @param chainOff offset in the chain's readable stream
     * @throws IOException when the image is read-only, the range is outside it, or writing fails
     */
    public void write(long sector, long length, DescriptorChain chain, long chainOff) throws IOException {
        long pos = checkWritable(sector, length);
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(SCRATCH_BYTES, length - done);
            if (chain.read(chainOff + done, scratchSegment, 0, n) != n) {
                throw new IOException("chain's readable part ended early"); // parse rules this out
            }
            scratch.clear().limit(n);
            writeFully(scratch, pos + done);
            done += n;
        }
    }

    /**
     * Writes zeroes over a sector range (Java has no fallocate / hole punching, so zeroes are written).
     *
     * @param sector first sector
     * @param count  sectors
     * @throws IOException when the image is read-only, the range is outside it, or writing fails
     */
    public void writeZeroes(long sector, long count) throws IOException {
        long length = Math.multiplyExact(count, (long) SECTOR_SIZE);
        long pos = checkWritable(sector, length);
        if (zeroes == null) {
            zeroes = ByteBuffer.allocateDirect(SCRATCH_BYTES);
        }
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(SCRATCH_BYTES, length - done);
            zeroes.clear().limit(n);
            writeFully(zeroes, pos + done);
            done += n;
        }
    }

    /**
     * Makes completed writes durable: {@link FileChannel#force force(true)}, i.e. fsync.
     *
     * @throws IOException when syncing fails
     */
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(true);
        }
    }

    private void writeFully(ByteBuffer src, long position) throws IOException {
        while (src.hasRemaining()) {
            channel.write(src, position + src.position());
        }
    }

    private long checkWritable(long sector, long length) throws IOException {
        if (readOnly) {
            throw new IOException(path + " is open read-only");
        }
        return checkRange(sector, length);
    }

    /** @return the byte position of the sector, after checking [sector, sector + length/512) is inside */
    private long checkRange(long sector, long length) throws IOException {
        if (sector < 0 || length < 0 || length % SECTOR_SIZE != 0 || sector > capacity
                || length / SECTOR_SIZE > capacity - sector) {
            throw new IOException("range sector " + Long.toUnsignedString(sector) + " + " + length
                    + " bytes is outside " + path + " (" + capacity + " sectors)");
        }
        return sector * SECTOR_SIZE;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "raw " + path + (readOnly ? " (read-only, " : " (") + capacity + " sectors)";
    }
}
