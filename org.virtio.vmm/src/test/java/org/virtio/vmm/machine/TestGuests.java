package org.virtio.vmm.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * The C test guest of {@code guests/virtio-test-guest}, built with make into a test's folder (as the
 * launcher's level-B test does), and a serial console to wait on.
 */
public final class TestGuests {
    /** The standard KVM device. */
    public static final Path KVM = Path.of("/dev/kvm");
    private static final Path SOURCES = Path.of("..", "guests", "virtio-test-guest").toAbsolutePath().normalize();

    private TestGuests() {
    }

    /** Skips the calling test when /dev/kvm is missing. */
    public static void assumeKvm() {
        Assumptions.assumeTrue(Files.exists(KVM), KVM + " does not exist on this host: the level-B machine tests are skipped");
    }

    /**
     * @param dir a scratch folder
     * @return the guest's PVH ELF
     */
    public static Path build(Path dir) throws IOException, InterruptedException {
        assumeKvm();
        Assumptions.assumeTrue(Files.isDirectory(SOURCES), "guest sources not found at " + SOURCES);
        Process make;
        try {
            make = new ProcessBuilder("make", "-s", "-C", SOURCES.toString(), "BUILD_DIR=" + dir.resolve("guest"))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("make is not installed: " + e.getMessage());
            throw e;
        }
        make.getOutputStream().close();
        String log = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(make.waitFor(120, TimeUnit.SECONDS), "make did not finish");
        assertEquals(0, make.exitValue(), "building the test guest failed:\n" + log);
        return dir.resolve("guest").resolve("virtio-test-guest.elf");
    }

    /** A serial console that can be waited on. */
    public static final class Console extends ByteArrayOutputStream {
        @Override
        public synchronized void write(int b) {
            super.write(b);
            notifyAll();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, len);
            notifyAll();
        }

        /** @return what the guest printed so far */
        public synchronized String text() {
            return toString(StandardCharsets.US_ASCII);
        }

        /**
         * Waits until the output contains {@code text}.
         *
         * @return whether it appeared within {@code timeout}
         */
        public synchronized boolean await(String text, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!text().contains(text)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }
}
