package org.virtio.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Level D: Debian's generic amd64 kernel (bzImage) boots under {@code virtio-vmm} with a busybox-static
 * initramfs ({@link LinuxImage}), finds the virtio-mmio blk and console devices through the ACPI DSDT
 * ({@code LNRO0005}), reaches a shell, reads the first sector of {@code /dev/vda}, writes to
 * {@code /dev/hvc0} and resets through the i8042 ({@code reboot=k}), so the launcher exits 0.
 *
 * <p>Runs only where the CPU has hardware virtualisation (VMX or SVM in {@code /proc/cpuinfo}) and
 * {@code /dev/kvm} is usable. Elsewhere — this machine kind's {@code /dev/kvm} is PVM, which emulates CPL0
 * and cannot boot stock Linux (ENVIRONMENT.md, "KVM") — it is skipped before anything is downloaded.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LinuxBootTest {
    static final Path KVM = Path.of("/dev/kvm");

    @TempDir
    Path dir;

    /** @return why Linux cannot boot under KVM here, or null where it can */
    static String whyNoHardwareVirtualisation() {
        String cpuinfo;
        try {
            cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            return "cannot read /proc/cpuinfo (" + e + "): level-D Linux boot test skipped";
        }
        boolean hw = Pattern.compile("(?m)^flags\\s*:.*\\b(vmx|svm)\\b").matcher(cpuinfo).find();
        if (!hw) {
            return "this CPU has no VMX/SVM" + (Files.exists(KVM)
                    ? ": /dev/kvm is PVM (software virtualisation, CPL0 emulated), which cannot boot stock Linux"
                            + " (see ENVIRONMENT.md, KVM)"
                    : " and there is no /dev/kvm") + "; level-D Linux boot test skipped";
        }
        if (!Files.exists(KVM)) {
            return "the CPU has VMX/SVM but /dev/kvm does not exist (kvm module not loaded?); level-D test skipped";
        }
        if (!Files.isReadable(KVM) || !Files.isWritable(KVM)) {
            return "/dev/kvm is not readable and writable by this user; level-D test skipped";
        }
        return null;
    }

    @Test
    void debianKernelBootsToAShellAndReadsTheDiskAndTheConsole() throws Exception {
        String why = whyNoHardwareVirtualisation();
        Assumptions.assumeTrue(why == null, why);

        LinuxImage.Image image;
        try {
            image = LinuxImage.prepare(LinuxImage.defaultCache(), System.out);
        } catch (LinuxImage.Unavailable e) {
            Assumptions.abort("the level-D image cannot be prepared on this host: " + e.getMessage());
            return;
        }

        byte[] sector = new byte[512];
        byte[] text = "virtio-vmm level D: first sector of /dev/vda\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, sector, 0, text.length);
        for (int i = text.length; i < 510; i++) {
            sector[i] = (byte) (i * 7 + 3);
        }
        sector[510] = 0x55;
        sector[511] = (byte) 0xaa;
        byte[] disk = new byte[1 << 20];
        System.arraycopy(sector, 0, disk, 0, 512);
        Path diskFile = dir.resolve("disk.img");
        Files.write(diskFile, disk);
        String expectedHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sector));

        Path consoleFile = dir.resolve("hvc0.out");
        Path config = dir.resolve("vm.json");
        Files.writeString(config, """
                {
                  "boot-source": {"kernel_image_path": "%s", "boot_args": "%s", "initrd_path": "%s"},
                  "machine-config": {"vcpu_count": 1, "mem_size_mib": 256},
                  "drives": [{"drive_id": "vda", "path_on_host": "%s", "is_read_only": true}],
                  "virtio-console": {"output": "%s", "input": "none"}
                }
                """.formatted(image.kernel(), LinuxImage.CMDLINE, image.initrd(), diskFile, consoleFile));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int status = Main.run(new String[] {"--config-file", config.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Duration.ofSeconds(300));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String serial = out.toString(StandardCharsets.UTF_8);
        System.out.println("level-D: Linux ran " + ms + " ms; serial console:\n" + serial);
        String hvc0 = Files.exists(consoleFile) ? Files.readString(consoleFile) : "(no console file)";
        String context = "\nstderr: " + err.toString(StandardCharsets.UTF_8) + "\nserial:\n" + serial + "\nhvc0: " + hvc0;

        assertEquals(0, status, "virtio-vmm must exit 0 (i8042 reset from reboot -f with reboot=k)" + context);
        assertTrue(serial.contains(LinuxImage.READY), "no shell marker" + context);
        assertTrue(serial.contains(LinuxImage.VDA + expectedHash),
                "the guest must print the sha256 of the disk's first sector, " + expectedHash + context);
        assertTrue(hvc0.contains(LinuxImage.CONSOLE_OK), "the virtio-console output file must hold the marker" + context);
        assertTrue(serial.indexOf(LinuxImage.READY) < serial.indexOf(LinuxImage.VDA), context);
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }
}
