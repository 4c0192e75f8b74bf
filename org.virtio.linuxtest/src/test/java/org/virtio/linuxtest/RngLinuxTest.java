package org.virtio.linuxtest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.launcher.LinuxImage;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Level C, rng: Linux's virtio_rng driver against {@code bin/virtio-vmm vhost-user-backend --device rng}
 * ({@code vhost-user-rng} in QEMU): it becomes the current hwrng, reads succeed, return what was asked and
 * two reads differ ({@code rng.sh}). QEMU 7.2 ships no vhost-user rng daemon to compare with.
 */
@Timeout(value = 200, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RngLinuxTest {
    @TempDir
    Path dir;

    @Test
    void readsSucceedAndDiffer() throws Exception {
        String why = Backend.whyOursLacks("rng");
        Assumptions.assumeTrue(why == null, () -> "our vhost-user rng backend is not there yet: " + why);
        LinuxImage.Image image = LevelC.requireGuest();
        Path socket = dir.resolve("rng.sock");
        try (Backend backend = Backend.ours("rng-virtio-vmm", socket, "--device", "rng")) {
            try {
                backend.start(Duration.ofSeconds(60));
            } catch (Backend.Unsupported e) {
                Assumptions.abort("our vhost-user rng backend is not there yet: " + e.getMessage());
            }
            try (QemuGuest guest = QemuGuest.start(image, "rng-virtio-vmm", List.of("rng"), "", 256,
                    List.of(QemuGuest.Device.rng(socket)))) {
                boolean ended = guest.awaitEnd(Duration.ofSeconds(150), QemuGuest.VHOST_START_FAILED);
                System.out.printf("level-C rng: guest ran %.1f s%n", guest.seconds());
                LevelC.assertPassed(guest, "rng");
                LevelC.assertEnded(guest, ended, 150);
            }
        }
    }
}
