package org.virtio.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Manual check of the level-D image preparation alone (apt download, dpkg -x, modules, initramfs), which
 * runs on any Debian host, VMX or not. Not part of the normal run (it downloads ~70 MB):
 * <pre>
 * cd /work/main &amp;&amp; . bin/java25-env.sh &amp;&amp; mvn -q -o -f org.virtio.launcher/pom.xml verify -Dlevel-d.prepare=true
 * </pre>
 */
@EnabledIfSystemProperty(named = "level-d.prepare", matches = "true",
        disabledReason = "manual: -Dlevel-d.prepare=true prepares the level-D Linux image (downloads Debian packages)")
class LinuxImagePrepareTest {
    @Test
    void prepareTheImage() throws Exception {
        LinuxImage.Image image;
        try {
            image = LinuxImage.prepare(LinuxImage.defaultCache(), System.out);
        } catch (LinuxImage.Unavailable e) {
            Assumptions.abort("level-D image not prepared: " + e.getMessage());
            return;
        }
        Files.writeString(LinuxImage.defaultCache().resolve("prepare-report.txt"), image.describe());
        byte[] kernel = Files.readAllBytes(image.kernel());
        assertEquals("HdrS", new String(kernel, 0x202, 4, StandardCharsets.US_ASCII), "a bzImage");
        byte[] cpio;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(image.initrd()))) {
            cpio = in.readAllBytes();
        }
        List<String> names = CpioTest.parse(cpio).stream().map(CpioTest.Entry::name).toList();
        assertTrue(names.containsAll(List.of("init", "bin/busybox", "bin/sh", "dev/console")), names.toString());
        for (String m : image.loadOrder()) {
            assertTrue(names.contains("lib/modules/" + m + ".ko"), m);
        }
        if (image.loadOrder().containsAll(List.of("virtio_ring", "virtio"))) {
            assertTrue(image.loadOrder().indexOf("virtio_ring") < image.loadOrder().indexOf("virtio"));
        }
        crossCheckUnderQemuTcg(image);
    }

    /**
     * Where QEMU is installed, boots the same kernel and initramfs under QEMU TCG ({@code -M microvm,acpi=on}:
     * virtio-mmio found through ACPI, as under our VMM) to show the image itself reaches the markers. QEMU's
     * microvm has no i8042, so {@code reboot=k} ends it through ACPI instead ({@code -no-reboot}).
     */
    private static void crossCheckUnderQemuTcg(LinuxImage.Image image) throws Exception {
        if (LinuxImage.onPath("qemu-system-x86_64").isEmpty()) {
            System.out.println("level-D: qemu-system-x86_64 not installed, no TCG cross-check");
            return;
        }
        Path dir = LinuxImage.defaultCache().resolve("qemu-check");
        Files.createDirectories(dir);
        byte[] disk = new byte[1 << 20];
        byte[] text = "level-D qemu cross-check".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, disk, 0, text.length);
        Files.write(dir.resolve("disk.img"), disk);
        Files.deleteIfExists(dir.resolve("hvc0.out"));
        String hash = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(java.util.Arrays.copyOf(disk, 512)));
        Process p = new ProcessBuilder("qemu-system-x86_64", "-accel", "tcg", "-cpu", "max",
                "-M", "microvm,acpi=on,pit=on,pic=on,rtc=on", "-m", "256", "-nographic", "-no-reboot",
                "-global", "virtio-mmio.force-legacy=false",
                "-kernel", image.kernel().toString(), "-initrd", image.initrd().toString(),
                "-append", LinuxImage.CMDLINE,
                "-drive", "id=d,file=" + dir.resolve("disk.img") + ",format=raw,if=none,readonly=on",
                "-device", "virtio-blk-device,drive=d", "-device", "virtio-serial-device",
                "-chardev", "file,id=c,path=" + dir.resolve("hvc0.out"), "-device", "virtconsole,chardev=c")
                .redirectErrorStream(true).redirectOutput(dir.resolve("serial.log").toFile()).start();
        p.getOutputStream().close();
        boolean ended = p.waitFor(180, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String serial = Files.readString(dir.resolve("serial.log"));
        assertTrue(ended, "QEMU TCG did not end within 180 s:\n" + serial);
        assertTrue(serial.contains(LinuxImage.READY), serial);
        assertTrue(serial.contains(LinuxImage.VDA + hash), serial);
        assertTrue(Files.readString(dir.resolve("hvc0.out")).contains(LinuxImage.CONSOLE_OK), serial);
        System.out.println("level-D: QEMU TCG cross-check passed: " + LinuxImage.READY + ", vda " + hash
                + ", hvc0 ok (serial log " + dir.resolve("serial.log") + ")");
    }
}
