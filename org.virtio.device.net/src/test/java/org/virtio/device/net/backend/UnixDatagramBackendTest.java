package org.virtio.device.net.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The unix datagram backend with real sockets: two backends pointed at each other. */
class UnixDatagramBackendTest {

    private static MemorySegment frame(Arena a, int length, int seed) {
        MemorySegment s = a.allocate(length);
        for (int i = 0; i < length; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 13 + seed));
        }
        return s;
    }

    @Test
    void framesCrossIntactBothWays(@TempDir Path dir) throws IOException {
        Path pa = dir.resolve("a.sock");
        Path pb = dir.resolve("b.sock");
        try (Arena arena = Arena.ofConfined()) {
            UnixDatagramBackend a = UnixDatagramBackend.open(pa, pb);
            UnixDatagramBackend b = UnixDatagramBackend.open(pb, pa);
            try {
                MemorySegment buf = arena.allocate(65536);
                for (int len : new int[] {14, 60, 1514, 65535}) {
                    MemorySegment f = frame(arena, len, len);
                    assertTrue(a.send(f, len));
                    assertEquals(len, b.receive(buf));
                    assertArrayEquals(f.toArray(ValueLayout.JAVA_BYTE), buf.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE));
                }
                MemorySegment back = frame(arena, 100, 7);
                assertTrue(b.send(back, 100));
                assertEquals(100, a.receive(buf));
                assertEquals("unix datagram " + pa + " -> " + pb, a.description());
            } finally {
                a.close();
                b.close();
            }
            assertFalse(Files.exists(pa), "close removes the socket file");
            assertFalse(Files.exists(pb));
        }
    }

    @Test
    void oversizeDatagramReportsItsRealLength(@TempDir Path dir) throws IOException {
        Path pa = dir.resolve("a.sock");
        Path pb = dir.resolve("b.sock");
        try (Arena arena = Arena.ofConfined()) {
            UnixDatagramBackend a = UnixDatagramBackend.open(pa, pb);
            UnixDatagramBackend b = UnixDatagramBackend.open(pb, pa);
            try {
                assertTrue(a.send(frame(arena, 3000, 1), 3000));
                assertEquals(3000, b.receive(arena.allocate(1000)), "MSG_TRUNC: the real length, beyond the buffer");
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void sendWithoutPeerIsADropNotAFailure(@TempDir Path dir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            UnixDatagramBackend a = UnixDatagramBackend.open(dir.resolve("a.sock"), dir.resolve("nobody.sock"));
            try {
                assertFalse(a.send(frame(arena, 60, 0), 60));
            } finally {
                a.close();
            }
            assertThrows(IOException.class, () -> a.send(frame(arena, 60, 0), 60), "closed");
        }
    }

    @Test
    void closeWakesABlockedReceiver(@TempDir Path dir) throws Exception {
        UnixDatagramBackend a = UnixDatagramBackend.open(dir.resolve("a.sock"), dir.resolve("b.sock"));
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(2048);
            CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> {
                try {
                    return a.receive(buf);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(100); // let the receiver block in poll; the result does not depend on it
            a.close();
            assertEquals(-1, r.get(10, TimeUnit.SECONDS));
            assertEquals(-1, a.receive(buf), "receive after close");
        }
    }

    @Test
    void staleSocketReplacedOtherFilesRefused(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("a.sock");
        UnixDatagramBackend first = UnixDatagramBackend.open(p, dir.resolve("b.sock"));
        // A successor binds over the live file; closing the first must leave the successor's file.
        UnixDatagramBackend second = UnixDatagramBackend.open(p, dir.resolve("b.sock"));
        first.close();
        assertTrue(Files.exists(p), "closing the first backend removed its successor's socket");
        UnixDatagramBackend sender = UnixDatagramBackend.open(dir.resolve("b.sock"), p);
        try (Arena arena = Arena.ofConfined()) {
            assertTrue(sender.send(frame(arena, 60, 1), 60));
            assertEquals(60, second.receive(arena.allocate(2048)));
        } finally {
            sender.close();
            second.close();
        }
        assertFalse(Files.exists(p));
        Path file = Files.writeString(dir.resolve("precious"), "data");
        IOException e = assertThrows(IOException.class, () -> UnixDatagramBackend.open(file, dir.resolve("b.sock")));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("data", Files.readString(file));
        assertThrows(IllegalArgumentException.class,
                () -> UnixDatagramBackend.open(dir.resolve("x".repeat(120)), dir.resolve("b.sock")));
    }
}
