package org.virtio.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Level A: arguments, exit codes and error messages of {@link Main}, in-process, without KVM. */
class MainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Duration.ofSeconds(30));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--config-file"));
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run());
        assertTrue(err().startsWith("virtio-vmm: --config-file is required"), err());
        err.reset();
        assertEquals(2, run("--config-file"));
        assertTrue(err().startsWith("virtio-vmm: --config-file needs a file name"), err());
        err.reset();
        assertEquals(2, run("--bogus"));
        assertTrue(err().startsWith("virtio-vmm: unknown argument: --bogus"), err());
        err.reset();
        assertEquals(2, run("--config-file=a", "--config-file", "b"));
        assertTrue(err().startsWith("virtio-vmm: --config-file given twice"), err());
    }

    @Test
    void missingConfigFileExitsOne() {
        Path missing = dir.resolve("vm.json");
        assertEquals(1, run("--config-file", missing.toString()));
        assertEquals("virtio-vmm: error: config file not found: " + missing + "\n", err());
    }

    @Test
    void missingKernelFileExitsOneNamingTheKey() throws Exception {
        Path config = dir.resolve("vm.json");
        Path kernel = dir.resolve("no-such-vmlinux");
        Files.writeString(config, """
                {"boot-source": {"kernel_image_path": "%s"},
                 "machine-config": {"vcpu_count": 1, "mem_size_mib": 16}}
                """.formatted(kernel));
        assertEquals(1, run("--config-file=" + config));
        assertEquals("virtio-vmm: error: " + config + ": boot-source.kernel_image_path: file not found: " + kernel + "\n",
                err());
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing on stdout but the guest's console");
    }

    @Test
    void badConfigValueExitsOneNamingTheKeyAndWhy() throws Exception {
        Files.write(dir.resolve("vmlinux"), new byte[] {0x7f, 'E', 'L', 'F'});
        Path config = dir.resolve("vm.json");
        Files.writeString(config, """
                {"boot-source": {"kernel_image_path": "%s"},
                 "machine-config": {"vcpu_count": 1, "mem_size_mib": "abc"}}
                """.formatted(dir.resolve("vmlinux")));
        assertEquals(1, run("--config-file", config.toString()));
        assertTrue(err().contains("machine-config.mem_size_mib: must be a positive integer, got \"abc\""), err());
    }

    @Test
    void aKernelWithoutMagicIsRejectedBeforeKvmIsOpened() throws Exception {
        Files.writeString(dir.resolve("vmlinux"), "not a kernel");
        Path config = dir.resolve("vm.json");
        Files.writeString(config, """
                {"boot-source": {"kernel_image_path": "%s"},
                 "machine-config": {"vcpu_count": 1, "mem_size_mib": 16}}
                """.formatted(dir.resolve("vmlinux")));
        assertEquals(1, run("--config-file", config.toString()));
        assertTrue(err().startsWith("virtio-vmm: error: boot-source.kernel_image_path: "), err());
        assertTrue(err().contains("neither an ELF kernel (booted through PVH) nor a bzImage"), err());
    }
}
