package org.virtio.vmm.machine;

import java.io.OutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The guest's serial output as the test reads it: the 16550 writes on vCPU threads, the test reads the
 * text so far from its own thread.
 */
final class LiveSwapConsole extends OutputStream {
    private final StringBuilder text = new StringBuilder();

    @Override
    public synchronized void write(int b) {
        if (b != '\r') {
            text.append((char) (b & 0x7f));
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }

    /** @return everything the guest printed so far */
    synchronized String text() {
        return text.toString();
    }

    /** @return the last complete line so far that matches the whole pattern, or null */
    synchronized Matcher last(Pattern line) {
        int end = text.lastIndexOf("\n");
        while (end > 0) {
            int start = text.lastIndexOf("\n", end - 1) + 1;
            Matcher m = line.matcher(text.substring(start, end));
            if (m.matches()) {
                return m;
            }
            end = start - 1;
        }
        return null;
    }

    /** @return the last {@code n} characters, for failure messages */
    synchronized String tail(int n) {
        return text.substring(Math.max(0, text.length() - n));
    }
}
