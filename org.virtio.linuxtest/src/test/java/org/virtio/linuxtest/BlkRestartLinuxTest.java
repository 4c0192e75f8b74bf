package org.virtio.linuxtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.launcher.LinuxImage;

/**
 * Level C, blk backend restart: while the guest runs a write + read-back loop of 1 MiB rounds (4 concurrent
 * O_DIRECT writers of 4 KiB blocks, so requests are in flight; {@code blk-restart.sh}), the test kills the backend with SIGKILL twice (at rounds
 * {@value #FIRST_KILL} and {@value #SECOND_KILL}) and starts it again on the same socket; QEMU reconnects
 * ({@code -chardev socket,...,reconnect=1}). Every round must read back what it wrote, the guest kernel must
 * log no I/O error, and the image on the host must hold what the guest last read.
 *
 * <p>qemu-storage-daemon runs only with {@code -Dlevel-c.restart-peer=true}: it lacks
 * {@code VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD}, so QEMU rewinds its ring on reconnect and it was measured to
 * fail about 1 restart in 11 ("req.0:id 6 is not a head!", ENVIRONMENT.md) — a known peer defect, not a
 * reason for the harness to be red.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BlkRestartLinuxTest {
    static final int ROUNDS = 40;
    static final int FIRST_KILL = 4;
    static final int SECOND_KILL = 16;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"virtio-vmm", "qemu-storage-daemon"})
    void dataIntactAcrossBackendKills(String backendKind) throws Exception {
        if (backendKind.equals("qemu-storage-daemon")) {
            Assumptions.assumeTrue(Boolean.getBoolean("level-c.restart-peer"), "qemu-storage-daemon has no"
                    + " INFLIGHT_SHMFD and loses requests on about 1 restart in 11 (ENVIRONMENT.md); run it with"
                    + " -Dlevel-c.restart-peer=true");
            LevelC.ensureTool("qemu-storage-daemon", "qemu-system-common");
        }
        if (backendKind.equals("virtio-vmm")) {
            String why = Backend.whyOursLacks("blk");
            Assumptions.assumeTrue(why == null, () -> "our vhost-user blk backend is not there yet: " + why);
        }
        LinuxImage.Image image = LevelC.requireGuest();
        Path img = LevelC.rawImage(dir, "disk.img", 64);
        Path socket = dir.resolve("blk.sock");
        Backend backend = backendKind.equals("virtio-vmm")
                ? Backend.ours("restart-virtio-vmm", socket, "--device", "blk", "--path", img.toString())
                : Backend.qemuStorageDaemon("restart-qsd", socket, img);
        String console;
        try (backend) {
            try {
                backend.start(Duration.ofSeconds(60));
            } catch (Backend.Unsupported e) {
                Assumptions.abort("our vhost-user blk backend is not there yet: " + e.getMessage());
            }
            try (QemuGuest guest = QemuGuest.start(image, "restart-" + backendKind, List.of("blk-restart"),
                    "vtest.rounds=" + ROUNDS, 256, List.of(QemuGuest.Device.blk(socket, 1)))) {
                for (int round : new int[] {FIRST_KILL, SECOND_KILL}) {
                    Pattern reached = Pattern.compile("VTEST-PROGRESS restart " + round + "\\b");
                    // Before the first kill nothing should fail: stop waiting if the device never started.
                    guest.await(round == FIRST_KILL ? Pattern.compile(reached.pattern() + "|"
                            + QemuGuest.VHOST_START_FAILED.pattern()) : reached, Duration.ofSeconds(180));
                    assertTrue(reached.matcher(guest.console()).find(), "the guest's loop did not reach round "
                            + round + ":\n" + guest.tail(30));
                    backend.kill();
                    System.out.printf("level-C restart (%s): backend killed at round %d (%.1f s)%n", backendKind,
                            round, guest.seconds());
                    Thread.sleep(1000);
                    backend.start(Duration.ofSeconds(60));
                }
                boolean ended = guest.awaitEnd(Duration.ofSeconds(240));
                console = guest.console();
                System.out.printf("level-C restart (%s): guest ran %.1f s%n", backendKind, guest.seconds());
                LevelC.assertPassed(guest, "blk-restart");
                LevelC.assertEnded(guest, ended, 240);
                assertTrue(backend.alive(), "the restarted backend died: " + Backend.lastLines(backend.output(), 10));
                // Whether a kill caught requests in flight depends on timing; say what happened, do not require it.
                System.out.printf("level-C restart (%s): backend log lines about resubmitted in-flight requests: %s%n",
                        backendKind, backend.output().lines().filter(l -> l.contains("resubmitting"))
                                .map(String::strip).toList());
            }
        }
        List<List<String>> region = GuestResult.data(console, "VTEST-REGION");
        assertEquals(1, region.size(), "the guest's region checksum (VTEST-REGION line)");
        assertEquals(region.get(0).get(2), LevelC.sha256(img, 0, ROUNDS * 1024L * 1024),
                "sha256 of the " + ROUNDS + " MiB the guest wrote, read from the image on the host");
        List<List<String>> bg = GuestResult.data(console, "VTEST-BGSUM");
        assertEquals(1, bg.size(), "the background writer's checksum (VTEST-BGSUM line)");
        assertEquals(bg.get(0).get(0), LevelC.sha256(img, 48L * 1024 * 1024, 1024 * 1024),
                "sha256 of the MiB the background writer rewrote at 48 MiB during the kills, read on the host");
    }
}
