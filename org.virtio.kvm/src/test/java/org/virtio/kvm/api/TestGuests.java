package org.virtio.kvm.api;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The test guests: 64-bit machine code assembled at test time from {@code src/test/resources/guests/*.S}
 * with {@code gcc -c} and {@code objcopy -O binary}, into {@code target/test-guests/}. Also the
 * precondition every level-B test shares: a usable {@code /dev/kvm}.
 */
public final class TestGuests {
    private static final Path OUT = Path.of("target", "test-guests");
    private static final ConcurrentHashMap<String, byte[]> CACHE = new ConcurrentHashMap<>();

    private TestGuests() {
    }

    /** Skips the calling test, with the reason, where this host has no /dev/kvm. */
    public static void assumeKvm() {
        assumeTrue(Files.exists(Kvm.DEVICE), Kvm.DEVICE + " does not exist on this host: "
                + "the level-B tests run guests on real KVM and are skipped here");
    }

    /** @return whether the CPU has hardware virtualisation (vmx/svm); without it, /dev/kvm here is software PVM */
    public static boolean hardwareVirtualisation() {
        try {
            String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
            return cpuinfo.matches("(?s).*\\bflags\\s*:[^\\n]*\\b(vmx|svm)\\b.*");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * @param name a guest source {@code guests/<name>.S}
     * @return its flat binary (the .text section)
     */
    public static byte[] binary(String name) {
        return CACHE.computeIfAbsent(name, TestGuests::assemble);
    }

    private static byte[] assemble(String name) {
        try {
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
        } catch (IOException e) {
            throw new IllegalStateException("assembling guests/" + name + ".S failed (gcc and binutils are needed)", e);
        }
    }

    private static void exec(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + new String(out, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
