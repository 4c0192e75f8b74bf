package org.virtio.device.input.backend;

import java.io.IOException;

/**
 * Where key commands come from: lines read on the source's own thread and handed to a
 * {@link CommandHandler}. Started once by the device (at its first DRIVER_OK) and closed when the device is
 * closed; a closed source is not restarted.
 */
public interface KeyCommandSource {

    /** Executes one command line; implemented by the device. Thread-safe. */
    interface CommandHandler {
        /**
         * @param line one line without its terminator, or {@link LineReader#TOO_LONG}
         * @return the reply (starting with {@code error:} when the line was rejected), or null for a blank or
         *         comment line
         */
        String handle(String line);
    }

    /**
     * Opens the source and starts its reader thread.
     *
     * @param handler where lines go
     * @throws IOException when the FIFO, file or socket cannot be opened
     */
    void start(CommandHandler handler) throws IOException;

    /** Stops the reader thread and releases the file or socket; does nothing when not started. */
    void close();

    /** @return a short description for log lines, e.g. {@code fifo /tmp/keys} */
    String description();
}
