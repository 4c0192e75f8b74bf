package org.virtio.device.input.backend;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads '\n'-terminated lines (a trailing '\r' is dropped) from an untrusted stream with a bounded length:
 * a longer line is consumed whole and reported as {@link #TOO_LONG}, so a peer can neither make the reader
 * buffer without bound nor desynchronise it. Bytes are decoded as UTF-8 (malformed input replaced).
 */
final class LineReader {
    /** Longest accepted line, in bytes. */
    static final int MAX_LINE = 4096;
    /** Returned (by identity) for a line longer than {@link #MAX_LINE}. */
    static final String TOO_LONG = new String("<line too long>");

    private final InputStream in;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    private final byte[] buf = new byte[4096];
    private int pos;
    private int limit;

    LineReader(InputStream in) {
        this.in = in;
    }

    /** @return the next line, {@link #TOO_LONG}, or null at the end of the stream (a final unterminated line is returned first) */
    String readLine() throws IOException {
        line.reset();
        boolean tooLong = false;
        while (true) {
            if (pos == limit) {
                limit = in.read(buf, 0, buf.length);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    if (line.size() == 0 && !tooLong) {
                        return null;
                    }
                    return finish(tooLong);
                }
            }
            byte b = buf[pos++];
            if (b == '\n') {
                return finish(tooLong);
            }
            if (line.size() < MAX_LINE + 1) {
                line.write(b);
            } else {
                tooLong = true;
            }
        }
    }

    private String finish(boolean tooLong) {
        if (tooLong || line.size() > MAX_LINE) {
            return TOO_LONG;
        }
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
