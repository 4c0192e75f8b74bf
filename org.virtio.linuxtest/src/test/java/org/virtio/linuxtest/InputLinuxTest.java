package org.virtio.linuxtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.launcher.LinuxImage;

/**
 * Level C, input: Linux's virtio_input + evdev drivers against
 * {@code bin/virtio-vmm vhost-user-backend --device input} ({@code vhost-user-input} in QEMU). The guest
 * finds the virtio event device, says it listens ({@code VTEST-INPUT-READY}), and reports every EV_KEY event
 * ({@code VTEST-KEY <code> <value>}, {@code input.sh}); the host feeds the keys through the backend and
 * compares what the guest saw with what it sent.
 *
 * <p>The keys go in as {@code tap <code>} lines on the backend's {@code --events unix:PATH} socket (the key-command
 * language of org.virtio.device.input), each answered {@code ok}. QEMU 7.2's vhost-user-input needs KVM
 * ioeventfds, so the guest runs under KVM where the CPU has VMX/SVM; under TCG QEMU refuses the device and
 * the test skips with QEMU's message. Skips, naming what is missing, where the
 * backend's usage lists no {@code --device input} or no {@code --events}.
 */
@Timeout(value = 200, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InputLinuxTest {
    /** KEY_A, KEY_B, KEY_C, KEY_ENTER (linux/input-event-codes.h): press and release each. */
    static final List<Integer> KEYS = List.of(30, 48, 46, 28);

    /** QEMU 7.2 refuses vhost-user-input without KVM (backends/vhost-user.c: ioeventfd_enabled()). */
    static final Pattern NEEDS_KVM = Pattern.compile("vhost initialization failed: requires kvm");

    @TempDir
    Path dir;

    @Test
    void guestSeesTheKeysTheHostTypes() throws Exception {
        String why = Backend.whyOursLacks("input");
        Assumptions.assumeTrue(why == null, () -> "our vhost-user input backend is not there yet: " + why);
        Assumptions.assumeTrue(Backend.help().contains("--events"), "bin/virtio-vmm vhost-user-backend --help lists"
                + " --device input but no --events option, the host-side key feed this test drives");
        LinuxImage.Image image = LevelC.requireGuest();
        Path socket = dir.resolve("input.sock");
        Path keys = dir.resolve("keys.sock");
        try (Backend backend = Backend.ours("input-virtio-vmm", socket, "--device", "input", "--events", "unix:" + keys,
                "--name", "level-C keyboard")) {
            backend.start(Duration.ofSeconds(60));
            try (QemuGuest guest = QemuGuest.start(image, "input-virtio-vmm", List.of("input"),
                    "vtest.keys=" + 2 * KEYS.size(), 256, List.of(QemuGuest.Device.input(socket)), true)) {
                guest.await(Pattern.compile("VTEST-INPUT-READY|VTEST input FAIL|" + NEEDS_KVM.pattern() + "|"
                        + QemuGuest.VHOST_START_FAILED.pattern()), Duration.ofSeconds(120));
                if (NEEDS_KVM.matcher(guest.console()).find()) {
                    Assumptions.abort("QEMU 7.2's vhost-user-input frontend works only under KVM (its"
                            + " vhost_user_backend_dev_init requires KVM ioeventfds: \"" + guest.tail(1).strip()
                            + "\"), and Linux cannot boot under KVM on this host: " + QemuGuest.whyNoHardwareKvm());
                }
                assertTrue(guest.console().contains("VTEST-INPUT-READY"), "the guest found no input device:\n"
                        + guest.tail(20));
                List<String> replies = type(keys, KEYS.stream().map(k -> "tap " + k).toList());
                assertEquals(KEYS.stream().map(k -> "ok").toList(), replies, "the backend's replies to the key commands");
                boolean ended = guest.awaitEnd(Duration.ofSeconds(120), QemuGuest.VHOST_START_FAILED);
                System.out.printf("level-C input: guest ran %.1f s%n", guest.seconds());
                LevelC.assertPassed(guest, "input");
                List<List<String>> seen = GuestResult.data(guest.console(), "VTEST-KEY");
                List<String> expected = KEYS.stream().flatMap(k -> java.util.stream.Stream.of(k + " 1", k + " 0")).toList();
                assertEquals(expected, seen.stream().map(l -> String.join(" ", l)).toList(),
                        "key code and value (1 press, 0 release) of each EV_KEY event the guest read");
                LevelC.assertEnded(guest, ended, 120);
            }
        }
    }

    /** Sends key commands to the backend's {@code --events unix:} socket, one line each; returns its replies. */
    private static List<String> type(Path keys, List<String> commands) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(keys));
                    BufferedReader in = new BufferedReader(Channels.newReader(ch, StandardCharsets.US_ASCII))) {
                List<String> replies = new ArrayList<>();
                for (String c : commands) {
                    ch.write(StandardCharsets.US_ASCII.encode(c + "\n"));
                    replies.add(in.readLine());
                }
                return replies;
            } catch (java.io.IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("cannot send key commands to " + keys + ": " + e, e);
                }
                Thread.sleep(200);
            }
        }
    }
}
