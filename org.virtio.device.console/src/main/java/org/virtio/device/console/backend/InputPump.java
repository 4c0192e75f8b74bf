package org.virtio.device.console.backend;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Objects;

import org.virtio.device.console.backend.ConsoleBackend.InputListener;

/**
 * Reads an {@link InputStream} on its own daemon platform thread (a blocking read cannot be interrupted,
 * so the thread lives until the stream ends or fails) and hands what it reads to the current listener.
 * While no listener is set, bytes read are dropped: the console has nowhere to put them.
 */
final class InputPump {
    private static final Logger LOG = System.getLogger(InputPump.class.getName());
    /** Bytes read per {@link InputStream#read} call. */
    static final int CHUNK = 4096;

    private final InputStream in;
    private final String name;
    private volatile InputListener listener;
    private Thread thread;

    InputPump(InputStream in, String name) {
        this.in = Objects.requireNonNull(in);
        this.name = name;
    }

    /** Sets the listener and starts the reader thread on the first call. @param l the new listener */
    synchronized void attach(InputListener l) {
        listener = l;
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("virtio-console-input " + name).start(this::run);
        }
    }

    /** Input read from now on is dropped until the next {@link #attach}. */
    void detach() {
        listener = null;
    }

    /** @return whether the reader thread is still running */
    synchronized boolean running() {
        return thread != null && thread.isAlive();
    }

    private void run() {
        byte[] buf = new byte[CHUNK];
        try {
            int n;
            while ((n = in.read(buf, 0, buf.length)) >= 0) {
                InputListener l = listener;
                if (n > 0 && l != null) {
                    l.input(buf, 0, n);
                }
            }
            LOG.log(Level.DEBUG, "console input {0} reached its end", name);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "console input {0} failed: {1}", name, e.getMessage());
        }
    }
}
