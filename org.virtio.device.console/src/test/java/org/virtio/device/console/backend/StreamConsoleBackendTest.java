package org.virtio.device.console.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The stream backend over a pipe and an in-memory output. */
class StreamConsoleBackendTest {

    @Test
    void inputIsPushedFromTheReaderThreadAndOutputWritten() throws Exception {
        PipedOutputStream keyboard = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keyboard);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StreamConsoleBackend b = new StreamConsoleBackend(in, out, "pipe");
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        CountDownLatch arrived = new CountDownLatch(1);
        b.open((src, off, len) -> {
            synchronized (got) {
                got.write(src, off, len);
                if (got.size() >= 5) {
                    arrived.countDown();
                }
            }
        });
        assertTrue(b.hasInput());
        keyboard.write("ls -l".getBytes(StandardCharsets.US_ASCII));
        keyboard.flush();
        assertTrue(arrived.await(5, TimeUnit.SECONDS), "input not delivered");
        synchronized (got) {
            assertArrayEquals("ls -l".getBytes(StandardCharsets.US_ASCII), got.toByteArray());
        }
        b.write("out".getBytes(StandardCharsets.US_ASCII), 0, 3);
        assertArrayEquals("out".getBytes(StandardCharsets.US_ASCII), out.toByteArray());
        b.close();
        assertThrows(IOException.class, () -> b.write(new byte[1], 0, 1));
        keyboard.close();
    }

    @Test
    void outputOnlyHasNoInputThread() throws IOException {
        StreamConsoleBackend b = new StreamConsoleBackend(null, new ByteArrayOutputStream(), "out");
        b.open((src, off, len) -> { });
        assertFalse(b.hasInput());
        assertFalse(b.inputRunning());
        b.close();
    }
}
