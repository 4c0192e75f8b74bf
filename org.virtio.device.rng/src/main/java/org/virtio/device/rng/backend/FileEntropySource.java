package org.virtio.device.rng.backend;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Entropy read from a file with a {@link FileChannel}: normally {@code /dev/urandom} (never ends, never
 * blocks once the kernel pool is initialised), or any readable file, whose end is an error
 * ({@link EOFException}). Reads go through one direct buffer allocated up front.
 */
public final class FileEntropySource implements EntropySource {
    /** Bytes read per {@link FileChannel#read} call at most. */
    static final int CHUNK_SIZE = 4096;

    private final Path path;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK_SIZE);
    private final MemorySegment bufferSegment = MemorySegment.ofBuffer(buffer);
    private FileChannel channel;

    /** @param path the file to read, already checked to be readable by whoever configured it */
    public FileEntropySource(Path path) {
        this.path = Objects.requireNonNull(path);
    }

    @Override
    public void open() throws IOException {
        close();
        channel = FileChannel.open(path, StandardOpenOption.READ);
    }

    @Override
    public void fill(MemorySegment dst, long offset, int length) throws IOException {
        if (channel == null) {
            throw new IOException(path + " is not open");
        }
        int done = 0;
        while (done < length) {
            int n = Math.min(CHUNK_SIZE, length - done);
            buffer.clear().limit(n);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer) < 0) {
                    throw new EOFException(path + " ended");
                }
            }
            MemorySegment.copy(bufferSegment, 0, dst, offset + done, n);
            done += n;
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // A read-only channel has nothing to flush; the descriptor is released either way.
            } finally {
                channel = null;
            }
        }
    }

    @Override
    public String description() {
        return "file " + path;
    }
}
