package org.virtio.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Builds {@code guests/launcher-pvh.S} with gcc and ld at test time (as org.virtio.kvm's PvhGuestTest
 * does): a PVH ELF that prints {@code PVH:} and the start of its command line on the 16550, then resets
 * through the i8042.
 */
final class TestGuest {
    /** The standard KVM device. */
    static final Path KVM = Path.of("/dev/kvm");

    private TestGuest() {
    }

    static void assumeKvm() {
        assumeTrue(Files.exists(KVM), KVM + " does not exist on this host: the level-B launcher tests are skipped");
    }

    /** @return the linked guest, {@code dir/launcher-pvh.elf} */
    static Path build(Path dir) throws IOException, InterruptedException {
        assumeTrue(onPath("gcc") && onPath("ld"), "gcc or ld not on PATH: the PVH test guest cannot be built here");
        Path source = dir.resolve("launcher-pvh.S");
        try (InputStream in = TestGuest.class.getResourceAsStream("/guests/launcher-pvh.S")) {
            Files.write(source, in.readAllBytes());
        }
        run(dir, "gcc", "-c", "-o", "launcher-pvh.o", "launcher-pvh.S");
        run(dir, "ld", "-m", "elf_x86_64", "-Ttext-segment=0x100000", "-e", "pvh_start", "-z", "noexecstack",
                "--build-id=none", "-o", "launcher-pvh.elf", "launcher-pvh.o");
        return dir.resolve("launcher-pvh.elf");
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
    }
}
