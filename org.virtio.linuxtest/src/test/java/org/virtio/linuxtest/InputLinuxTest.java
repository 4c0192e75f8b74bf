package org.virtio.linuxtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.launcher.LinuxImage;

/**
 * Level C, input: Linux's virtio_input + evdev drivers against
 * {@code bin/virtio-vmm vhost-user-backend --device input} ({@code vhost-user-input} in QEMU), both directions
 * of VirtIO 1.3 §5.8: keys on the eventq, the guest's LED on the statusq.
 *
 * <p>The guest ({@code input.sh}) finds the virtio event device and says it listens ({@code VTEST-INPUT-READY});
 * the host types {@code hello} + Enter through the backend's {@code --events unix:PATH} socket ({@code type
 * hello\n}, the key-command language of org.virtio.device.input, answered {@code ok}); the guest reports each
 * EV_KEY press and release it reads ({@code VTEST-KEY <code> <value>}) and the host compares them with the keys
 * of that text. Then the guest writes EV_LED CapsLock on to the event device ({@code VTEST-LED-SENT}); the host
 * asks the backend ({@code leds}) until it reports the CapsLock bit, and only then taps Space, which the guest
 * waits for as its acknowledgement.
 *
 * <p>Runs QEMU 10 from bookworm-backports ({@link BackportsQemu}) under TCG: QEMU 7.2's vhost-user-input refuses
 * to start without KVM, and Linux cannot boot under this host's PVM KVM. Skips with the reason when that QEMU
 * cannot be fetched or run here, or when the backend's usage lists no {@code --device input} or no
 * {@code --events}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InputLinuxTest {
    /** What the host types ({@code \n} is the key-command escape for Enter). */
    static final String TEXT = "hello\\n";
    /** KEY_H, KEY_E, KEY_L, KEY_L, KEY_O, KEY_ENTER (linux/input-event-codes.h): the keys of {@link #TEXT}. */
    static final List<Integer> KEYS = List.of(35, 18, 38, 38, 24, 28);
    /** Bit 1 of the backend's {@code leds} answer: LED_CAPSL. */
    static final int CAPS_LOCK = 1 << 1;
    /** KEY_SPACE: the host's acknowledgement after it saw the LED. */
    static final int ACK = 57;

    /** QEMU 7.2's refusal (backends/vhost-user.c); QEMU 10 must not print it. */
    static final Pattern NEEDS_KVM = Pattern.compile("vhost initialization failed: requires kvm");

    @TempDir
    Path dir;

    @Test
    void guestSeesTheKeysTheHostTypesAndTheHostSeesTheGuestsLed() throws Exception {
        String why = Backend.whyOursLacks("input");
        Assumptions.assumeTrue(why == null, () -> "our vhost-user input backend is not there yet: " + why);
        Assumptions.assumeTrue(Backend.help().contains("--events"), "bin/virtio-vmm vhost-user-backend --help lists"
                + " --device input but no --events option, the host-side key feed this test drives");
        LinuxImage.Image image = LevelC.requireGuest();
        BackportsQemu.Qemu qemu;
        try {
            qemu = BackportsQemu.get();
        } catch (BackportsQemu.Unavailable e) {
            Assumptions.abort("QEMU 7.2's vhost-user-input needs KVM, which cannot boot Linux here, and QEMU >= "
                    + BackportsQemu.MIN_MAJOR + " from " + BackportsQemu.SUITE + " is not available: " + e.getMessage());
            return;
        }
        System.out.println("level-C input: QEMU " + qemu.version() + " (" + qemu.binary() + ")");
        Path socket = dir.resolve("input.sock");
        Path keys = dir.resolve("keys.sock");
        try (Backend backend = Backend.ours("input-virtio-vmm", socket, "--device", "input", "--events", "unix:" + keys,
                "--name", "level-C keyboard")) {
            backend.start(Duration.ofSeconds(60));
            try (QemuGuest guest = QemuGuest.start(image, "input-virtio-vmm", List.of("input"),
                    "vtest.keys=" + 2 * KEYS.size(), 256, List.of(QemuGuest.Device.input(socket)), false, qemu.command())) {
                Pattern stop = Pattern.compile(NEEDS_KVM.pattern() + "|" + QemuGuest.VHOST_START_FAILED.pattern()
                        + "|VTEST input FAIL");
                guest.await(Pattern.compile("VTEST-INPUT-READY|" + stop.pattern()), Duration.ofSeconds(150));
                assertTrue(guest.console().contains("VTEST-INPUT-READY"), "the guest found no input device:\n"
                        + guest.tail(20));
                try (KeySocket feed = KeySocket.open(keys)) {
                    assertEquals("ok", feed.send("type " + TEXT), "the backend's reply to type " + TEXT);
                    guest.await(Pattern.compile("VTEST-LED-SENT|" + stop.pattern() + "|VTEST input-led FAIL"),
                            Duration.ofSeconds(60));
                    if (guest.console().contains("VTEST-LED-SENT")) {
                        int leds = awaitLed(feed, Duration.ofSeconds(20));
                        assertTrue((leds & CAPS_LOCK) != 0, "the guest wrote EV_LED CapsLock on but the backend reports"
                                + " leds " + leds + " (statusq not seen?)");
                        assertEquals("ok", feed.send("tap " + ACK), "the backend's reply to the acknowledgement key");
                    }
                }
                boolean ended = guest.awaitEnd(Duration.ofSeconds(120), QemuGuest.VHOST_START_FAILED);
                System.out.printf("level-C input: guest ran %.1f s%n", guest.seconds());
                LevelC.assertPassed(guest, "input");
                List<String> expected = KEYS.stream().flatMap(k -> Stream.of(k + " 1", k + " 0")).toList();
                assertEquals(expected, lines(guest, "VTEST-KEY"),
                        "key code and value (1 press, 0 release) of each EV_KEY event the guest read");
                LevelC.assertPassed(guest, "input-led");
                assertEquals(List.of(ACK + " 1", ACK + " 0"), lines(guest, "VTEST-ACK"), "the acknowledgement key");
                LevelC.assertEnded(guest, ended, 120);
            }
        }
    }

    private static List<String> lines(QemuGuest guest, String tag) {
        return GuestResult.data(guest.console(), tag).stream().map(l -> String.join(" ", l)).toList();
    }

    /** Asks the backend for its LED bits until CapsLock is set or the time is up; returns the last answer. */
    private static int awaitLed(KeySocket feed, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String reply = feed.send("leds");
            assertTrue(reply != null && reply.matches("leds \\d+"), "the backend's reply to leds: " + reply);
            int leds = Integer.parseInt(reply.substring(5));
            if ((leds & CAPS_LOCK) != 0 || System.nanoTime() > deadline) {
                return leds;
            }
            Thread.sleep(200);
        }
    }

    /** The backend's {@code --events unix:} socket: one command line out, one reply line back. */
    private record KeySocket(SocketChannel channel, BufferedReader in) implements AutoCloseable {
        /** Connects, retrying for 30 s (the backend listens from the driver's first DRIVER_OK). */
        static KeySocket open(Path path) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                try {
                    SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path));
                    return new KeySocket(ch, new BufferedReader(Channels.newReader(ch, StandardCharsets.US_ASCII)));
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("cannot connect to the backend's key socket " + path + ": " + e, e);
                    }
                    Thread.sleep(200);
                }
            }
        }

        String send(String command) throws IOException {
            channel.write(StandardCharsets.US_ASCII.encode(command + "\n"));
            return in.readLine();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
