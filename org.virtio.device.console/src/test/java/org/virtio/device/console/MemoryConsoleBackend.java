package org.virtio.device.console;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import org.virtio.device.console.backend.ConsoleBackend;

/** Test backend: output collected in memory, input pushed by the test through {@link #push}. */
final class MemoryConsoleBackend implements ConsoleBackend {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    /** Kept after close, so tests can push input into a device that was reset. */
    private volatile InputListener listener;
    volatile boolean open;
    volatile boolean failWrites;
    volatile boolean failOpen;

    @Override
    public void open(InputListener l) throws IOException {
        if (failOpen) {
            throw new IOException("cannot open (test)");
        }
        listener = l;
        open = true;
    }

    @Override
    public synchronized void write(byte[] src, int offset, int length) throws IOException {
        if (failWrites) {
            throw new IOException("disk full (test)");
        }
        out.write(src, offset, length);
    }

    @Override
    public void close() {
        open = false;
    }

    @Override
    public boolean hasInput() {
        return true;
    }

    @Override
    public String description() {
        return "memory";
    }

    /** Pushes input as the backend's thread would. */
    void push(byte[] bytes) {
        push(bytes, 0, bytes.length);
    }

    void push(byte[] bytes, int offset, int length) {
        InputListener l = listener;
        if (l == null) {
            throw new IllegalStateException("device never opened the backend");
        }
        l.input(bytes, offset, length);
    }

    synchronized byte[] output() {
        return out.toByteArray();
    }
}
