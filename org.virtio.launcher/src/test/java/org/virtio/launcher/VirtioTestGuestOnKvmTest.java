package org.virtio.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Level B, end to end on the real /dev/kvm: the C test guest in {@code guests/virtio-test-guest} (built here
 * with make and gcc) boots through PVH under {@code virtio-vmm} with a blk drive, an entropy device and a
 * virtio-console. Through the virtio-mmio transport it finds the devices on its command line, runs the
 * §3.1 init sequence, writes and reads back blk sectors (its fill/compare loops at CPL3), reads rng, sends
 * a console line, waits for used-buffer interrupts (irqfd), notifies through QueueNotify (ioeventfd), sends
 * a looping chain, a buffer outside guest RAM and a chain longer than the queue — each must leave the
 * device in DEVICE_NEEDS_RESET with a configuration change interrupt — then resets the device, checks it
 * and the blk device still work, and resets the machine through the i8042.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VirtioTestGuestOnKvmTest {
    private static final Path GUEST_SOURCES = Path.of("..", "guests", "virtio-test-guest").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private Path buildGuest() throws Exception {
        TestGuest.assumeKvm();
        Assumptions.assumeTrue(Files.isDirectory(GUEST_SOURCES), "guest sources not found at " + GUEST_SOURCES);
        Process make;
        try {
            make = new ProcessBuilder("make", "-s", "-C", GUEST_SOURCES.toString(), "BUILD_DIR=" + dir.resolve("guest"))
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("make is not installed: " + e.getMessage());
            throw e;
        }
        make.getOutputStream().close();
        String log = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(make.waitFor(120, TimeUnit.SECONDS), "make did not finish");
        assertEquals(0, make.exitValue(), "building the test guest failed:\n" + log);
        return dir.resolve("guest").resolve("virtio-test-guest.elf");
    }

    @Test
    void theTestGuestDrivesBlkRngAndConsoleAndSurvivesHostileInput() throws Exception {
        Path kernel = buildGuest();
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[1 << 20]);
        Path console = dir.resolve("console.out");
        Path config = dir.resolve("vm.json");
        Files.writeString(config, """
                {
                  "boot-source": {"kernel_image_path": "%s", "boot_args": "console=ttyS0"},
                  "machine-config": {"vcpu_count": 1, "mem_size_mib": 64},
                  "drives": [{"drive_id": "d0", "path_on_host": "%s", "is_read_only": false}],
                  "entropy": {},
                  "virtio-console": {"output": "%s", "input": "none"}
                }
                """.formatted(kernel, disk, console));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--config-file", config.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Duration.ofSeconds(150));
        String serial = out.toString(StandardCharsets.US_ASCII);
        System.out.println(serial);
        assertEquals(0, status, "the guest must end by an i8042 reset; stderr: " + err + "\nserial:\n" + serial);

        for (String line : new String[] {"virtio: 0xd0000000 size 0x200 irq 5: device id 2 (blk)",
                "virtio: 0xd0001000 size 0x200 irq 6: device id 4 (rng)",
                "virtio: 0xd0002000 size 0x200 irq 7: device id 3 (console)", "blk: ok ", "rng: ok", "console: sent",
                "hostile: looping-chain -> NEEDS_RESET ok", "hostile: buffer-outside-ram -> NEEDS_RESET ok",
                "hostile: chain-longer-than-queue -> NEEDS_RESET ok", "hostile: rng after reset ok",
                "hostile: blk still ok", "irq: ok"}) {
            assertTrue(serial.contains(line), "missing \"" + line + "\" in the serial output:\n" + serial);
        }
        Matcher done = Pattern.compile("virtio-test-guest: done (\\d+)/(\\d+)").matcher(serial);
        assertTrue(done.find(), serial);
        assertEquals(done.group(2), done.group(1), "every guest check passes");
        assertTrue(Integer.parseInt(done.group(2)) >= 9, "all checks ran: " + done.group());

        assertEquals("console: hello from the guest\n", Files.readString(console), "virtio-console output");
        byte[] image = Files.readAllBytes(disk);
        assertEquals(1 << 20, image.length, "the image keeps its size");
        boolean written = false;
        for (byte b : image) {
            written |= b != 0;
        }
        assertTrue(written, "the guest's blk writes reached the image file");
    }
}
