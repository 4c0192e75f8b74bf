package org.virtio.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code virtio-vmm vhost-user-backend}: argument errors, and a backend that listens until stopped. */
@Timeout(60)
class VhostUserBackendCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private int run(String... args) {
        return VhostUserBackendCommand.run(args, out, err, new CountDownLatch(0));
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badArgumentsExitWithStatus1AndSayWhy() throws Exception {
        assertEquals(1, run("--device", "blk", "--path", "x.img"));
        assertTrue(err().contains("--socket is required"), err());
        assertEquals(1, run("--socket", dir.resolve("s").toString()));
        assertTrue(err().contains("--device is required"), err());
        assertEquals(1, run("--socket", dir.resolve("s").toString(), "--device", "floppy"));
        assertTrue(err().contains("unknown device type \"floppy\""), err());
        assertEquals(1, run("--socket", dir.resolve("s").toString(), "--device", "rng", "--path", "x"));
        assertTrue(err().contains("option --path does not apply to --device rng"), err());
        assertEquals(1, run("--socket", dir.resolve("s").toString(), "--device", "blk"));
        assertTrue(err().contains("path: required"), err());
        assertEquals(1, run("--socket", dir.resolve("s").toString(), "--device", "blk", "--path",
                dir.resolve("missing.img").toString()));
        assertTrue(err().contains("does not exist"), err());
        assertEquals(1, run("--socket"));
        assertTrue(err().contains("--socket needs a value"), err());
        assertFalse(Files.exists(dir.resolve("s")), "no socket for a failed start");
    }

    @Test
    void subcommandIsReachableThroughMain() {
        assertEquals(1, Main.run(new String[] {"vhost-user-backend", "--device", "rng"}, out, err, null));
        assertTrue(err().contains("--socket is required"), err());
        assertEquals(0, Main.run(new String[] {"vhost-user-backend", "--help"}, out, err, null));
        assertTrue(outBytes.toString(StandardCharsets.UTF_8).contains("--device blk"));
    }

    @Test
    void listensOnASocketWithMode0600UntilStopped() throws Exception {
        Path image = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        Path sock = dir.resolve("blk.sock");
        CountDownLatch stop = new CountDownLatch(1);
        int[] status = {-1};
        Thread t = Thread.ofPlatform().start(() -> status[0] = VhostUserBackendCommand.run(
                new String[] {"--socket", sock.toString(), "--device", "blk", "--path", image.toString(), "--read-only"},
                out, err, stop));
        for (int i = 0; i < 1000 && !outBytes.toString(StandardCharsets.UTF_8).contains("listening"); i++) {
            Thread.sleep(10);
        }
        assertEquals("virtio-vmm: vhost-user-backend blk listening on " + sock + "\n",
                outBytes.toString(StandardCharsets.UTF_8));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        stop.countDown();
        t.join();
        assertEquals(0, status[0]);
        assertFalse(Files.exists(sock), "socket removed when stopped");
    }
}
