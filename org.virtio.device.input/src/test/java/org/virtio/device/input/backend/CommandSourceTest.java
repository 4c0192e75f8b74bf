package org.virtio.device.input.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FIFO, file and unix socket command sources, with real files and sockets. */
class CommandSourceTest {
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final KeyCommandSource.CommandHandler handler = line -> {
        lines.add(line);
        return line.startsWith("bad") ? "error: bad" : "ok " + line;
    };

    private String next() throws InterruptedException {
        String s = lines.poll(10, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("no line arrived within 10 s");
        }
        return s;
    }

    private static void mkfifo(Path p) throws IOException, InterruptedException {
        Process proc;
        try {
            proc = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "mkfifo not available: " + e.getMessage());
            return;
        }
        assumeTrue(proc.waitFor() == 0 && Files.exists(p), "mkfifo failed");
    }

    @Test
    void regularFileIsReadToItsEnd(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("keys.txt"), "press a\nrelease a\n");
        FileCommandSource s = new FileCommandSource(f);
        assertEquals("file " + f, s.description());
        s.start(handler);
        assertEquals("press a", next());
        assertEquals("release a", next());
        s.thread().join(10_000);
        assertFalse(s.running(), "the reader ends at the end of a regular file");
        s.close();
        assertThrows(IllegalStateException.class, () -> s.start(handler));
    }

    @Test
    void fifoSurvivesWritersComingAndGoingAndStopsOnClose(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("keys.fifo");
        mkfifo(fifo);
        FileCommandSource s = new FileCommandSource(fifo);
        assertEquals("fifo " + fifo, s.description());
        s.start(handler);
        for (int writer = 0; writer < 3; writer++) {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write(("tap " + writer + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            assertEquals("tap " + writer, next());
        }
        assertTrue(s.running());
        s.close();
        s.thread().join(10_000);
        assertFalse(s.running(), "close must end the blocked reader");
    }

    @Test
    void socketAnswersEveryLineAndServesClientsOneAfterAnother(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("kbd.sock");
        SocketCommandSource s = new SocketCommandSource(sock);
        s.start(handler);
        try {
            assertTrue(Files.exists(sock));
            for (int client = 0; client < 2; client++) {
                try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
                    send(c, "press a\nbad line\n\n" + "x".repeat(LineReader.MAX_LINE + 10) + "\n");
                    assertEquals("ok press a", in.readLine());
                    assertEquals("error: bad", in.readLine());
                    assertEquals("ok ", in.readLine(), "blank lines reach the handler; it decides");
                    assertEquals("ok " + LineReader.TOO_LONG, in.readLine());
                }
            }
            assertEquals(List.of("press a", "bad line", ""), List.of(next(), next(), next()));
        } finally {
            s.close();
        }
        s.thread().join(10_000);
        assertFalse(s.thread().isAlive(), "close must end the accept thread");
        assertFalse(Files.exists(sock), "close removes the socket file");
    }

    @Test
    void staleSocketIsReplacedOtherFilesAreRefused(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("stale.sock");
        try (var server = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
        }
        assertTrue(Files.exists(sock), "a closed server leaves its socket file behind");
        SocketCommandSource s = new SocketCommandSource(sock);
        s.start(handler);
        // A successor binding the same path while s is alive: closing s must leave the successor's file.
        SocketCommandSource successor = new SocketCommandSource(sock);
        successor.start(handler);
        s.close();
        assertTrue(Files.exists(sock), "closing the old source removed its successor's socket");
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            send(c, "still here\n");
            assertEquals("ok still here", new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
                    StandardCharsets.UTF_8)).readLine());
        }
        successor.close();
        assertFalse(Files.exists(sock));

        Path file = Files.writeString(dir.resolve("not-a-socket"), "precious");
        SocketCommandSource t = new SocketCommandSource(file);
        IOException e = assertThrows(IOException.class, () -> t.start(handler));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("precious", Files.readString(file));
    }

    private static void send(SocketChannel c, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }
}
