package org.virtio.device.input.backend;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Key commands read from a FIFO (or any file that is not a regular file) or from a regular file. A FIFO is
 * opened for reading and writing: the open does not wait for a writer, and the reader never sees an end of
 * file when a writer closes, so harness processes may come and go. A regular file is read once to its end.
 * Replies go to the log ({@code error:} replies at INFO), since a FIFO has no way back.
 */
public final class FileCommandSource implements KeyCommandSource {
    private static final Logger LOG = System.getLogger(FileCommandSource.class.getName());

    private final Path path;
    private FileChannel channel;
    private Thread thread;

    /** @param path the FIFO or file */
    public FileCommandSource(Path path) {
        this.path = Objects.requireNonNull(path, "path");
    }

    @Override
    public synchronized void start(CommandHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        if (channel != null) {
            throw new IllegalStateException(description() + " already started");
        }
        FileChannel ch = Files.isRegularFile(path) ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        channel = ch;
        thread = Thread.ofPlatform().daemon().name("virtio-input-commands " + path).start(() -> run(ch, handler));
    }

    private void run(FileChannel ch, CommandHandler handler) {
        LineReader lines = new LineReader(Channels.newInputStream(ch));
        try {
            String line;
            while ((line = lines.readLine()) != null) {
                String reply = handler.handle(line);
                if (reply != null && reply.startsWith("error")) {
                    LOG.log(Level.INFO, "{0}: {1}", description(), reply);
                }
            }
            LOG.log(Level.DEBUG, "{0} reached its end", description());
        } catch (ClosedChannelException e) {
            // close() ended the read: the normal way to stop.
        } catch (IOException e) {
            LOG.log(Level.WARNING, "{0} failed: {1}", description(), e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        FileChannel ch = channel;
        if (ch == null) {
            return;
        }
        try {
            ch.close(); // unblocks the reader thread's read
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "{0}: close failed: {1}", description(), e.getMessage());
        }
    }

    /** @return whether the reader thread is running */
    synchronized boolean running() {
        return thread != null && thread.isAlive();
    }

    /** @return the reader thread, for tests that wait for it to end */
    synchronized Thread thread() {
        return thread;
    }

    @Override
    public String description() {
        return (Files.isRegularFile(path) ? "file " : "fifo ") + path;
    }
}
