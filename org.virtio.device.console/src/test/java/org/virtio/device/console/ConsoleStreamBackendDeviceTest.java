package org.virtio.device.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.virtio.core.memory.GuestAddress;
import org.virtio.device.console.backend.StreamConsoleBackend;

/** The device over the stream backend, its reader thread feeding the guest from a pipe. */
class ConsoleStreamBackendDeviceTest {

    @Test
    void pipeInputReachesTheGuestAndGuestOutputReachesTheStream() throws Exception {
        PipedOutputStream keyboard = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keyboard);
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        ConsoleDevice d = new ConsoleDevice(new StreamConsoleBackend(in, screen, "pipe"), 1024);
        try (ConsoleHarness h = new ConsoleHarness(d, ConsoleHarness.SPLIT)) {
            GuestAddress a = h.buffer(16);
            h.postReceive(a, 16);
            keyboard.write("uname\n".getBytes(StandardCharsets.US_ASCII));
            keyboard.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int len;
            while ((len = h.usedLength(ConsoleDevice.RECEIVE_QUEUE)) < 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(len > 0, "no input within 5 s");
            // The reader thread may hand the bytes over in more than one piece.
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            got.writeBytes(h.read(a, len));
            while (got.size() < 6 && System.nanoTime() < deadline) {
                GuestAddress b = h.buffer(16);
                h.postReceive(b, 16);
                while ((len = h.usedLength(ConsoleDevice.RECEIVE_QUEUE)) < 0 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                if (len > 0) {
                    got.writeBytes(h.read(b, len));
                }
            }
            assertArrayEquals("uname\n".getBytes(StandardCharsets.US_ASCII), got.toByteArray());
            assertEquals(0, h.transmit("Linux\n"));
            assertArrayEquals("Linux\n".getBytes(StandardCharsets.US_ASCII), screen.toByteArray());
        } finally {
            keyboard.close();
        }
    }
}
