package org.virtio.kvm.internal;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Asks gcc what {@code <linux/kvm.h>} says: writes a C program that prints one {@code name value} line
 * per C expression (sizeof, offsetof, ioctl macros), compiles it with gcc and runs it. Tests using it are
 * skipped, with the reason, when gcc or the kernel header is missing.
 */
final class KernelHeaderProbe {
    static final Path HEADER = Path.of("/usr/include/linux/kvm.h");

    private final Map<String, String> expressions = new LinkedHashMap<>();

    /** @param name the key in the result  @param cExpression an unsigned-long-valued C expression */
    KernelHeaderProbe add(String name, String cExpression) {
        expressions.put(name, cExpression);
        return this;
    }

    /** @return name → value as gcc computed it */
    Map<String, Long> run() throws IOException, InterruptedException {
        assumeTrue(Files.isReadable(HEADER), "kernel header " + HEADER + " is missing (install linux-libc-dev)");
        assumeTrue(onPath("gcc"), "gcc is not on the PATH, so <linux/kvm.h> cannot be compiled");
        Path dir = Files.createDirectories(Path.of("target", "kernel-header-probe").toAbsolutePath());
        Path source = Files.createTempFile(dir, "probe", ".c");
        Path binary = dir.resolve(source.getFileName().toString().replace(".c", ""));
        StringBuilder c = new StringBuilder("""
                #include <stddef.h>
                #include <stdio.h>
                #include <linux/kvm.h>
                #define FIELD_SIZE(type, member) sizeof(((type *)0)->member)
                int main(void) {
                """);
        expressions.forEach((name, expr) -> c.append("    printf(\"%s %lu\\n\", \"").append(name)
                .append("\", (unsigned long)(").append(expr).append("));\n"));
        c.append("    return 0;\n}\n");
        Files.writeString(source, c);
        String compiled = exec(dir, "gcc", "-o", binary.toString(), source.toString());
        String output = exec(dir, binary.toString());
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            String[] kv = line.trim().split(" ");
            if (kv.length == 2) {
                values.put(kv[0], Long.parseUnsignedLong(kv[1]));
            }
        }
        if (!values.keySet().equals(expressions.keySet())) {
            throw new IllegalStateException("probe printed " + values.keySet() + "; gcc said: " + compiled);
        }
        return values;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String exec(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "):\n" + text);
        }
        return text;
    }
}
