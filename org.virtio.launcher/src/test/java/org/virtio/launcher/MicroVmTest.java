package org.virtio.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.device.rng.RngConfig;

/** {@link MicroVm}'s failure paths and teardown. */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MicroVmTest {
    @TempDir
    Path dir;

    private VmConfig config(Path kernel) throws Exception {
        Files.write(dir.resolve("disk.img"), new byte[8192]);
        return VmConfigParser.parse("""
                {"boot-source": {"kernel_image_path": "%s", "boot_args": "x"},
                 "machine-config": {"vcpu_count": 1, "mem_size_mib": 8},
                 "drives": [{"drive_id": "d", "path_on_host": "disk.img", "is_read_only": true}],
                 "entropy": {}}
                """.formatted(kernel), dir);
    }

    @Test
    void kvmUnavailableIsAClearError() throws Exception {
        Path kernel = dir.resolve("vmlinux");
        Files.write(kernel, new byte[] {0x7f, 'E', 'L', 'F'});
        LaunchException e = assertThrows(LaunchException.class,
                () -> MicroVm.create(config(kernel), new ByteArrayOutputStream(), dir.resolve("no-kvm")));
        assertTrue(e.getMessage().startsWith("KVM unavailable (" + dir.resolve("no-kvm") + "): KVM is not available"),
                e.getMessage());
    }

    @Test
    void annotationDefaultsAreTheDeclaredOnes() {
        RngConfig c = MicroVm.defaults(RngConfig.class);
        assertEquals("securerandom", c.source());
        assertEquals(RngConfig.class, c.annotationType());
    }

    @Test
    void anElfWithoutThePvhNoteIsRejectedNamingTheKey() throws Exception {
        TestGuest.assumeKvm();
        Path kernel = dir.resolve("vmlinux");
        byte[] elf = new byte[64];
        elf[0] = 0x7f;
        elf[1] = 'E';
        elf[2] = 'L';
        elf[3] = 'F';
        Files.write(kernel, elf);
        long before = openFds();
        LaunchException e = assertThrows(LaunchException.class, () -> MicroVm.create(config(kernel), new ByteArrayOutputStream()));
        assertTrue(e.getMessage().startsWith("boot-source.kernel_image_path: " + kernel + " cannot be loaded (ELF, PVH boot)"),
                e.getMessage());
        assertEquals(before, openFds(), "a failed build releases every descriptor");
    }

    @Test
    void closeReleasesEveryDescriptor() throws Exception {
        TestGuest.assumeKvm();
        Path kernel = TestGuest.build(dir);
        VmConfig c = config(kernel);
        long before = openFds();
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        try (MicroVm vm = MicroVm.create(c, serial)) {
            assertTrue(openFds() > before);
            assertEquals(MicroVm.Outcome.Kind.RESET, vm.run(Duration.ofSeconds(60)).kind(), serial::toString);
        }
        assertEquals(before, openFds(), "KVM, VM, vCPU, memfd, eventfd and image descriptors all closed");
    }

    /**
     * Descriptors a VM opens: /dev/kvm, the VM and vCPU anon inodes, memfds, eventfds and the image file.
     * Others are left out on purpose: pipes of the processes that built the guest close whenever their
     * cleaner runs, which made a plain count of /proc/self/fd flaky.
     */
    private long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(MicroVmTest::target).filter(t -> t.contains("kvm") || t.startsWith("/memfd:")
                    || t.contains("eventfd") || t.startsWith(dir.toString())).count();
        }
    }

    private static String target(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return ""; // closed while we looked
        }
    }
}
