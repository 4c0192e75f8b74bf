package org.virtio.linuxtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.virtio.launcher.LinuxImage;

/**
 * What every level-C test needs before and after a guest: QEMU on the host (installed with apt-get when
 * missing, else the test skips), the prepared image (else skip), host tools (mkfs.ext4, e2fsck, debugfs),
 * and the assertion that turns a guest's result line into a JUnit outcome.
 */
final class LevelC {
    private LevelC() {
    }

    /** The image, after making sure QEMU is here; aborts the test (skip) with the reason when either is not. */
    static LinuxImage.Image requireGuest() throws IOException, InterruptedException {
        ensureTool(QemuGuest.QEMU, "qemu-system-x86");
        try {
            return GuestImage.get();
        } catch (LinuxImage.Unavailable e) {
            Assumptions.abort("the level-C Linux image cannot be prepared on this host: " + e.getMessage());
            throw new AssertionError("unreachable");
        }
    }

    /** Installs {@code pkg} with apt-get when {@code tool} is not on PATH (as root), else skips with the reason. */
    static synchronized void ensureTool(String tool, String pkg) throws IOException, InterruptedException {
        if (LinuxImage.onPath(tool).isPresent()) {
            return;
        }
        String why;
        if (!"root".equals(System.getProperty("user.name"))) {
            why = "not root";
        } else {
            Process p = new ProcessBuilder("sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive "
                    + "apt-get install -y -qq " + pkg).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            why = p.waitFor() == 0 ? "apt-get install " + pkg + " succeeded but " + tool + " is still not on PATH"
                    : "apt-get install " + pkg + " failed: " + Backend.lastLines(out, 5);
        }
        Assumptions.assumeTrue(LinuxImage.onPath(tool).isPresent(),
                tool + " is not installed and could not be installed (" + why + "): level-C test skipped");
    }

    /** mkfs.ext4, e2fsck and debugfs in /usr/sbin (Debian's e2fsprogs), installed with apt-get when missing, else skip. */
    static void requireE2fsprogs() throws IOException, InterruptedException {
        List<String> tools = List.of("/usr/sbin/mkfs.ext4", "/usr/sbin/e2fsck", "/usr/sbin/debugfs");
        if (tools.stream().allMatch(t -> Files.isExecutable(Path.of(t)))) {
            return;
        }
        if ("root".equals(System.getProperty("user.name"))) {
            run(List.of("sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq e2fsprogs"));
        }
        Assumptions.assumeTrue(tools.stream().allMatch(t -> Files.isExecutable(Path.of(t))),
                "e2fsprogs (" + tools + ") is not installed and could not be installed: level-C blk test skipped");
    }

    /** Asserts the guest printed {@code check} PASS; the message carries the guest's detail and the console tail. */
    static GuestResult assertPassed(QemuGuest guest, String check) {
        List<GuestResult> results = GuestResult.parse(guest.console());
        GuestResult r = GuestResult.find(results, check).orElse(null);
        assertTrue(r != null, "the guest printed no result for " + check + " (log " + guest.log() + "):\n"
                + guest.tail(40));
        assertEquals("PASS", r.status(), check + ": " + r.detail() + "\n(log " + guest.log() + ")\n" + guest.tail(25));
        for (GuestResult other : results) {
            assertTrue(!other.status().equals("FAIL"), "the guest reported " + other + "\n" + guest.tail(25));
        }
        return r;
    }

    /**
     * Asserts QEMU ended by itself (the guest's reset after {@value GuestImage#END}). When the guest got that
     * far and QEMU still did not end, says so: QEMU then hung in device reset, e.g. waiting for a vhost-user
     * backend's reply while stopping its rings.
     */
    static void assertEnded(QemuGuest guest, boolean ended, int seconds) {
        if (ended) {
            return;
        }
        boolean reset = guest.console().contains(GuestImage.END);
        assertTrue(false, (reset ? "the guest printed " + GuestImage.END + " and reset, but QEMU did not end within "
                + seconds + " s (hung in device reset: a vhost-user backend not answering while QEMU stops the rings?)"
                : "the guest did not finish within " + seconds + " s") + ":\n" + guest.tail(20));
    }

    /** Runs a host command; returns its exit status and output. */
    static Run run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in 120 s");
        }
        return new Run(p.exitValue(), out);
    }

    record Run(int status, String output) {
    }

    /** A sparse raw image of {@code mib} MiB. */
    static Path rawImage(Path dir, String name, int mib) throws IOException {
        Path img = dir.resolve(name);
        try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0}), (long) mib * 1024 * 1024 - 1);
        }
        return img;
    }

    /** sha256 of {@code length} bytes of {@code file} from {@code offset}. */
    static String sha256(Path file, long offset, long length) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(offset);
            byte[] buf = new byte[1 << 16];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException(file + " ends before offset " + (offset + length));
                }
                md.update(buf, 0, n);
                left -= n;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(Path file) throws IOException {
        return sha256(file, 0, Files.size(file));
    }
}
