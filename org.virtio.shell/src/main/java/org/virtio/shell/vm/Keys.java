package org.virtio.shell.vm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.apache.karaf.shell.api.console.Session;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.utils.NonBlockingReader;

/**
 * The keys typed in a shell session while {@code vm:console} runs, read with a timeout so that the command
 * can also watch the VM and never stays blocked on the keyboard after detaching (a blocked reader would
 * swallow the next key typed at the prompt).
 */
abstract class Keys implements AutoCloseable {

    /**
     * @param buffer where the key bytes go (UTF-8), at least 4 bytes
     * @param timeoutMs how long to wait for a key
     * @return the number of bytes read, 0 when no key came in time, -1 at end of input
     */
    abstract int read(byte[] buffer, long timeoutMs) throws IOException, InterruptedException;

    /** Gives the keyboard back as it was. */
    @Override
    public abstract void close();

    /**
     * The session's terminal in raw mode when it has one (every key arrives at once, no echo, Ctrl-C still
     * interrupts), as Karaf's own {@code shell:watch} reads keys; else its keyboard stream.
     */
    static Keys of(Session session) {
        return session.get(".jline.terminal") instanceof Terminal terminal ? new Raw(terminal)
                : new Polled(session.getKeyboard());
    }

    /** A terminal in raw mode, read through its non-blocking reader. */
    static final class Raw extends Keys {
        private final Terminal terminal;
        private final Attributes saved;
        private final NonBlockingReader reader;

        Raw(Terminal terminal) {
            this.terminal = terminal;
            this.saved = terminal.enterRawMode();
            this.reader = terminal.reader();
        }

        @Override
        int read(byte[] buffer, long timeoutMs) throws IOException {
            int c = reader.read(timeoutMs);
            if (c == NonBlockingReader.READ_EXPIRED) {
                return 0;
            }
            if (c < 0) {
                return -1;
            }
            byte[] bytes = Character.toString(c).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(bytes, 0, buffer, 0, bytes.length);
            return bytes.length;
        }

        @Override
        public void close() {
            terminal.setAttributes(saved);
        }
    }

    /** A plain stream (no terminal: a piped or exec session), polled with {@code available()}. */
    static final class Polled extends Keys {
        private final InputStream in;

        Polled(InputStream in) {
            this.in = in;
        }

        @Override
        int read(byte[] buffer, long timeoutMs) throws IOException, InterruptedException {
            int available = in.available();
            if (available <= 0) {
                Thread.sleep(timeoutMs);
                return 0;
            }
            return in.read(buffer, 0, Math.min(available, buffer.length));
        }

        @Override
        public void close() {
            // the stream belongs to the session
        }
    }
}
