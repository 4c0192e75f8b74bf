package org.virtio.device.console.backend;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * A console over an output stream and an optional input stream, typically the process's stdout and
 * stdin. The streams belong to the caller: {@link #close} flushes the output but closes neither. The
 * input is read by one daemon thread started at the first {@link #open}; input that arrives while the
 * backend is closed (between a reset and the next DRIVER_OK) is dropped.
 */
public final class StreamConsoleBackend implements ConsoleBackend {
    private final OutputStream out;
    private final InputPump pump;
    private final String description;
    private volatile boolean open;

    /**
     * @param in          input, or null for an output-only console
     * @param out         output
     * @param description for log lines, e.g. {@code stdout+stdin}
     */
    public StreamConsoleBackend(InputStream in, OutputStream out, String description) {
        this.out = Objects.requireNonNull(out, "out");
        this.description = Objects.requireNonNull(description, "description");
        this.pump = in == null ? null : new InputPump(in, description);
    }

    @Override
    public void open(InputListener listener) {
        Objects.requireNonNull(listener, "listener");
        open = true;
        if (pump != null) {
            pump.attach(listener);
        }
    }

    @Override
    public void write(byte[] src, int offset, int length) throws IOException {
        if (!open) {
            throw new IOException(description + " is not open");
        }
        out.write(src, offset, length);
        out.flush();
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        if (pump != null) {
            pump.detach();
        }
        try {
            out.flush();
        } catch (IOException e) {
            // Nothing left to report to: the device is being reset.
        }
    }

    @Override
    public boolean hasInput() {
        return pump != null;
    }

    /** @return whether the input reader thread is running (false for output-only consoles) */
    boolean inputRunning() {
        return pump != null && pump.running();
    }

    @Override
    public String description() {
        return description;
    }
}
