package org.virtio.device.console.backend;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A console whose output is appended to a file (created when missing, never truncated); it has no input.
 * The file is opened at DRIVER_OK and closed at reset, so a device that is not running holds no file
 * descriptor.
 */
public final class FileConsoleBackend implements ConsoleBackend {
    private final Path path;
    private FileChannel channel;

    /** @param path the output file */
    public FileConsoleBackend(Path path) {
        this.path = Objects.requireNonNull(path, "path");
    }

    @Override
    public void open(InputListener listener) throws IOException {
        if (channel == null) {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        }
    }

    @Override
    public void write(byte[] src, int offset, int length) throws IOException {
        FileChannel c = channel;
        if (c == null) {
            throw new IOException("file " + path + " is not open");
        }
        ByteBuffer b = ByteBuffer.wrap(src, offset, length);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    @Override
    public void close() {
        FileChannel c = channel;
        channel = null;
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // Nothing left to report to: the device is being reset.
            }
        }
    }

    @Override
    public boolean hasInput() {
        return false;
    }

    @Override
    public String description() {
        return "file " + path;
    }
}
