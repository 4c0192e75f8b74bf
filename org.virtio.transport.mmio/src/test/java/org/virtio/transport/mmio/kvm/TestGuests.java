package org.virtio.transport.mmio.kvm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.virtio.kvm.api.Kvm;

/**
 * Test guests assembled at test time from {@code src/test/resources/guests/*.S} with {@code gcc -c} and
 * {@code objcopy -O binary} (the approach of org.virtio.kvm's tests), and the level-B precondition.
 */
final class TestGuests {
    private static final Path OUT = Path.of("target", "test-guests");

    private TestGuests() {
    }

    static void assumeKvm() {
        assumeTrue(Files.exists(Kvm.DEVICE), Kvm.DEVICE + " does not exist on this host: level-B tests skipped");
    }

    static byte[] binary(String name) throws IOException, InterruptedException {
        Files.createDirectories(OUT);
        Path source = OUT.resolve(name + ".S");
        try (InputStream in = TestGuests.class.getResourceAsStream("/guests/" + name + ".S")) {
            if (in == null) {
                throw new IllegalArgumentException("no test guest guests/" + name + ".S");
            }
            Files.write(source, in.readAllBytes());
        }
        Path object = OUT.resolve(name + ".o");
        Path binary = OUT.resolve(name + ".bin");
        exec("gcc", "-c", "-o", object.toString(), source.toString());
        exec("objcopy", "-O", "binary", "-j", ".text", object.toString(), binary.toString());
        return Files.readAllBytes(binary);
    }

    private static void exec(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
    }
}
