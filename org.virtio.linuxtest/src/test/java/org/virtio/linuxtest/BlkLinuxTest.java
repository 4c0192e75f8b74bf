package org.virtio.linuxtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.launcher.LinuxImage;

/**
 * Level C, blk: Linux's virtio_blk driver against a vhost-user-blk backend — ours
 * ({@code bin/virtio-vmm vhost-user-backend --device blk}) and, as the proof that the harness itself is
 * right, qemu-storage-daemon's export of the same kind of image.
 *
 * <p>The host formats the first 48 MiB of a 96 MiB image with mkfs.ext4; the guest mounts it, writes files
 * of many sizes and 200 small ones, syncs, unmounts, drops its caches, mounts again and checks every sum
 * ({@code blk-fs.sh}), then runs a verify workload over the raw 32 MiB after the filesystem
 * ({@code blk-verify.sh}). After the guest powered off, the host runs {@code e2fsck -fn} on the image,
 * reads the guest's files out of it with debugfs and compares their sha256 with the guest's, and compares
 * the raw region's sha256 with the guest's.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BlkLinuxTest {
    static final int FS_MIB = 48;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"qemu-storage-daemon", "virtio-vmm"})
    void ext4RoundTripAndVerifyWorkload(String backendKind) throws Exception {
        if (backendKind.equals("virtio-vmm")) {
            String why = Backend.whyOursLacks("blk");
            Assumptions.assumeTrue(why == null, () -> "our vhost-user blk backend is not there yet: " + why);
        }
        LinuxImage.Image image = LevelC.requireGuest();
        LevelC.requireE2fsprogs();
        Path img = LevelC.rawImage(dir, "disk.img", 96);
        LevelC.Run mkfs = LevelC.run(List.of("/usr/sbin/mkfs.ext4", "-q", "-F", "-L", "vtest", img.toString(),
                FS_MIB + "M"));
        Assumptions.assumeTrue(mkfs.status() == 0, "mkfs.ext4 on the host failed: " + mkfs.output());
        Path socket = dir.resolve("blk.sock");
        String console;
        try (Backend backend = backend(backendKind, socket, img)) {
            try {
                backend.start(Duration.ofSeconds(60));
            } catch (Backend.Unsupported e) {
                Assumptions.abort("our vhost-user blk backend is not there yet: " + e.getMessage());
            }
            try (QemuGuest guest = QemuGuest.start(image, "blk-" + backendKind, List.of("blk-fs", "blk-verify"),
                    "vtest.off=" + FS_MIB, 256, List.of(QemuGuest.Device.blk(socket, 0)))) {
                boolean ended = guest.awaitEnd(Duration.ofSeconds(240), QemuGuest.VHOST_START_FAILED);
                console = guest.console();
                System.out.printf("level-C blk (%s): guest ran %.1f s, backend log %s%n", backendKind, guest.seconds(),
                        GuestImage.cache().resolve("logs"));
                LevelC.assertPassed(guest, "blk-fs");
                LevelC.assertPassed(guest, "blk-verify");
                LevelC.assertEnded(guest, ended, 240);
                assertTrue(backend.alive(), "the backend died during the run: " + Backend.lastLines(backend.output(), 10));
            }
        }

        // The backend is gone: the image is the host's again.
        LevelC.Run fsck = LevelC.run(List.of("/usr/sbin/e2fsck", "-fn", img.toString()));
        assertEquals(0, fsck.status(), "e2fsck -fn on the image the guest wrote:\n" + fsck.output());
        List<List<String>> sums = GuestResult.data(console, "VTEST-SUM");
        assertEquals(10, sums.size(), "the guest's file checksums (VTEST-SUM lines)");
        for (List<String> s : sums) {
            Path out = dir.resolve("dump-" + s.get(0));
            LevelC.Run dump = LevelC.run(List.of("/usr/sbin/debugfs", "-R", "dump /" + s.get(0) + " " + out, img.toString()));
            assertTrue(Files.exists(out), "debugfs could not read /" + s.get(0) + ": " + dump.output());
            assertEquals(s.get(1), LevelC.sha256(out), "/" + s.get(0) + " read by debugfs on the host");
        }
        List<List<String>> region = GuestResult.data(console, "VTEST-REGION");
        assertEquals(1, region.size(), "the guest's region checksum (VTEST-REGION line)");
        long mib = 1024 * 1024;
        assertEquals(region.get(0).get(2), LevelC.sha256(img, FS_MIB * mib, 32 * mib),
                "sha256 of the raw region the guest wrote, read from the image on the host");
        assertFalse(console.contains("Call Trace"), "the guest kernel printed a call trace");
    }

    private static Backend backend(String kind, Path socket, Path img) throws Exception {
        return switch (kind) {
            case "qemu-storage-daemon" -> {
                LevelC.ensureTool("qemu-storage-daemon", "qemu-system-common");
                yield Backend.qemuStorageDaemon("blk-qsd", socket, img);
            }
            case "virtio-vmm" -> Backend.ours("blk-virtio-vmm", socket, "--device", "blk", "--path", img.toString());
            default -> throw new IllegalArgumentException(kind);
        };
    }
}
