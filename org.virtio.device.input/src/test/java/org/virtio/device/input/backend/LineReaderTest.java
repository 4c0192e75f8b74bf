package org.virtio.device.input.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Bounded line reading from an untrusted stream. */
class LineReaderTest {

    private static LineReader reader(String s) {
        return new LineReader(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void linesCrLfAndAFinalUnterminatedLine() throws IOException {
        LineReader r = reader("press a\r\n\nrelease a\ntail");
        assertEquals("press a", r.readLine());
        assertEquals("", r.readLine());
        assertEquals("release a", r.readLine());
        assertEquals("tail", r.readLine());
        assertNull(r.readLine());
    }

    @Test
    void overlongLineIsConsumedWholeAndReported() throws IOException {
        String longLine = "type " + "x".repeat(LineReader.MAX_LINE * 3);
        LineReader r = reader(longLine + "\ntap a\n" + "y".repeat(LineReader.MAX_LINE) + "\n");
        assertSame(LineReader.TOO_LONG, r.readLine());
        assertEquals("tap a", r.readLine(), "the reader resynchronises at the next newline");
        assertEquals(LineReader.MAX_LINE, r.readLine().length(), "exactly the maximum is accepted");
        assertNull(r.readLine());
    }
}
