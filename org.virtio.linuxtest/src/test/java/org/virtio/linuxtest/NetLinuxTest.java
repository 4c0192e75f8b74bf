package org.virtio.linuxtest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.launcher.LinuxImage;

/**
 * Level C, net: Linux's virtio_net driver behind QEMU's {@code -netdev vhost-user} against
 * {@code bin/virtio-vmm vhost-user-backend --device net --tap TAP}. The host creates a persistent TAP
 * device {@value #TAP} with {@value #HOST_IP}; the guest brings up its interface with {@value #GUEST_IP}
 * and pings the host through the backend ({@code net.sh}).
 *
 * <p>Skips, naming what is missing, until the backend's usage lists {@code --device net} with a
 * {@code --tap} option, and where the host cannot make a TAP device (not root, no /dev/net/tun, no ip).
 */
@Timeout(value = 200, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NetLinuxTest {
    static final String TAP = "vtc0";
    static final String HOST_IP = "10.77.0.1";
    static final String GUEST_IP = "10.77.0.2";

    @TempDir
    Path dir;

    @Test
    void guestPingsTheHostThroughTheBackend() throws Exception {
        String why = Backend.whyOursLacks("net");
        Assumptions.assumeTrue(why == null, () -> "our vhost-user net backend is not there yet: " + why);
        String help = Backend.help();
        Assumptions.assumeTrue(help.contains("--tap"), "bin/virtio-vmm vhost-user-backend --help lists --device net"
                + " but no --tap option, which this test uses to reach the host");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun: no TAP device on this host");
        Assumptions.assumeTrue(LinuxImage.onPath("ip").isPresent(), "no ip command (iproute2) on this host");
        LinuxImage.Image image = LevelC.requireGuest();
        LevelC.run(List.of("ip", "link", "del", TAP));
        LevelC.Run add = LevelC.run(List.of("ip", "tuntap", "add", "dev", TAP, "mode", "tap"));
        Assumptions.assumeTrue(add.status() == 0, "cannot create TAP device " + TAP + ": " + add.output());
        try {
            for (List<String> c : List.of(List.of("ip", "addr", "add", HOST_IP + "/24", "dev", TAP),
                    List.of("ip", "link", "set", TAP, "up"))) {
                LevelC.Run r = LevelC.run(c);
                assertTrue(r.status() == 0, String.join(" ", c) + ": " + r.output());
            }
            Path socket = dir.resolve("net.sock");
            try (Backend backend = Backend.ours("net-virtio-vmm", socket, "--device", "net", "--tap", TAP)) {
                backend.start(Duration.ofSeconds(60));
                try (QemuGuest guest = QemuGuest.start(image, "net-virtio-vmm", List.of("net"),
                        "vtest.ip=" + GUEST_IP + "/24 vtest.peer=" + HOST_IP, 256, List.of(QemuGuest.Device.net(socket)))) {
                    boolean ended = guest.awaitEnd(Duration.ofSeconds(150), QemuGuest.VHOST_START_FAILED);
                    System.out.printf("level-C net: guest ran %.1f s%n", guest.seconds());
                    LevelC.assertPassed(guest, "net");
                    LevelC.assertEnded(guest, ended, 150);
                }
            }
        } finally {
            LevelC.run(List.of("ip", "link", "del", TAP));
        }
    }
}
