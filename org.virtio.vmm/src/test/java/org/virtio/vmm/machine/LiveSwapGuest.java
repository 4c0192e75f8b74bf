package org.virtio.vmm.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Builds the C test guest of {@code guests/virtio-test-guest} with make and gcc into a test folder, or
 * skips the test (via an assumption) where /dev/kvm, the sources or make are missing.
 */
final class LiveSwapGuest {
    private static final Path KVM = Path.of("/dev/kvm");
    private static final Path SOURCES = Path.of("..", "guests", "virtio-test-guest").toAbsolutePath().normalize();

    private LiveSwapGuest() {
    }

    /** @return the PVH kernel, {@code dir/guest/virtio-test-guest.elf} */
    static Path build(Path dir) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.exists(KVM), KVM + " does not exist on this host: the level-B live-swap test is skipped");
        Assumptions.assumeTrue(Files.isDirectory(SOURCES), "test guest sources not found at " + SOURCES);
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
}
