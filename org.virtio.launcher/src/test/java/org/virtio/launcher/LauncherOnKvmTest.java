package org.virtio.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Level B, on the real /dev/kvm: a PVH test guest built at test time, configured by a Firecracker-format
 * vm.json with a drive on a temporary image, entropy and a virtio-console, prints {@code PVH:} and the
 * start of its command line on the 16550 and resets through the i8042. Seeing
 * {@code virtio_mmio.device=} in its output proves the command line with the devices reached the guest.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LauncherOnKvmTest {
    /** boot_args "x", then the first window (drive rootfs), as the guest prints them (63 characters). */
    static final String EXPECTED_LINE = "PVH:x virtio_mmio.device=512@0xd0000000:5";

    @TempDir
    Path dir;
    Path config;

    @BeforeEach
    void guestAndConfig() throws Exception {
        TestGuest.assumeKvm();
        Path kernel = TestGuest.build(dir);
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[64 * 1024]);
        config = dir.resolve("vm.json");
        Files.writeString(config, """
                {
                  "boot-source": {"kernel_image_path": "%s", "boot_args": "x"},
                  "machine-config": {"vcpu_count": 2, "mem_size_mib": 16},
                  "drives": [{"drive_id": "rootfs", "path_on_host": "%s", "is_read_only": false}],
                  "entropy": {},
                  "virtio-console": {"output": "%s", "input": "none"}
                }
                """.formatted(kernel, disk, dir.resolve("console.log")));
    }

    @Test
    void microVmAssemblesDevicesAndTheGuestResets() throws Exception {
        VmConfig c = VmConfigParser.parse(config);
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        try (MicroVm vm = MicroVm.create(c, serial)) {
            assertEquals("x virtio_mmio.device=512@0xd0000000:5 virtio_mmio.device=512@0xd0001000:6"
                    + " virtio_mmio.device=512@0xd0002000:7", vm.commandLine());
            assertEquals(List.of("drive-rootfs virtio_mmio.device=512@0xd0000000:5",
                    "entropy virtio_mmio.device=512@0xd0001000:6",
                    "virtio-console virtio_mmio.device=512@0xd0002000:7"), vm.devices());
            MicroVm.Outcome outcome = vm.run(Duration.ofSeconds(60));
            assertEquals(MicroVm.Outcome.Kind.RESET, outcome.kind(), outcome.message() + "; serial: " + serial);
        }
        String console = serial.toString(StandardCharsets.US_ASCII);
        assertTrue(console.startsWith(EXPECTED_LINE), console);
        assertTrue(console.endsWith("\n"), console);
    }

    @Test
    void mainExitsZeroWhenTheGuestResets() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--config-file", config.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Duration.ofSeconds(60));
        assertEquals(0, status, "stderr: " + err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.US_ASCII).startsWith(EXPECTED_LINE), out.toString(StandardCharsets.US_ASCII));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    /** The real thing: bin/virtio-vmm (written by this module's process-classes phase) as a process. */
    @Test
    void binVirtioVmmBootsTheGuestAsAProcess() throws Exception {
        Path script = Path.of("..", "bin", "virtio-vmm").toAbsolutePath().normalize();
        Path cp = Path.of("target", "classpath.txt");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(script) && Files.exists(cp),
                "bin/virtio-vmm or target/classpath.txt missing (run from the module directory)");
        Process p = new ProcessBuilder(script.toString(), "--config-file", config.toString())
                .redirectError(dir.resolve("stderr.txt").toFile()).start();
        p.getOutputStream().close();
        boolean ended = p.waitFor(90, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        String err = Files.readString(dir.resolve("stderr.txt"));
        assertTrue(ended, "bin/virtio-vmm did not end within 90 s; stdout: " + out + " stderr: " + err);
        assertEquals(0, p.exitValue(), "stderr: " + err);
        assertTrue(out.startsWith(EXPECTED_LINE), out);
    }

    @Test
    void aMissingKernelFileExitsOneNamingTheKeyAsAProcess() throws Exception {
        Path script = Path.of("..", "bin", "virtio-vmm").toAbsolutePath().normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(script) && Files.exists(Path.of("target", "classpath.txt")));
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, Files.readString(config).replace("launcher-pvh.elf", "missing.elf"));
        Process p = new ProcessBuilder(script.toString(), "--config-file", bad.toString()).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), err);
        assertTrue(err.startsWith("virtio-vmm: error: ") && err.contains("boot-source.kernel_image_path: file not found"), err);
        assertEquals(0, p.getInputStream().readAllBytes().length, "nothing on stdout");
    }
}
