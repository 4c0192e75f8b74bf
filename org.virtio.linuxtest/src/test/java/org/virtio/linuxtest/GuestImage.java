package org.virtio.linuxtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.virtio.launcher.LinuxImage;

/**
 * The level-C guest: Debian's generic 6.1 kernel and a busybox-static initramfs, prepared by the launcher's
 * {@link LinuxImage} (apt-get download + dpkg -x, cached under {@code target/level-c/}, never in git) with
 * the drivers the checks need and a generic {@code /init}.
 *
 * <p>The {@code /init} mounts proc, sysfs and devtmpfs, loads the modules (virtio_ring, virtio, virtio_mmio,
 * then the drivers, dependencies first), runs {@code /vtest/<name>.sh} for the {@code vtest=<name>} on the
 * kernel command line (a comma-separated list runs several in turn), prints {@value #END} and resets ({@code reboot -f}; QEMU runs with
 * {@code -no-reboot}, so that ends it). The check scripts are the test resources under {@code vtest/}; they
 * print their results as {@code VTEST <check> PASS|FAIL|SKIP <detail>} lines ({@link GuestResult}).
 */
final class GuestImage {
    /** Printed by /init after the check script returned, just before the reset. */
    static final String END = "VTEST-END";

    /** The check scripts baked into the initramfs, as {@code /vtest/<name>.sh}. */
    static final List<String> SCRIPTS = List.of("lib", "blk-fs", "blk-verify", "blk-restart", "rng", "input", "net",
            "bench");

    /** The drivers beyond the launcher's (virtio_ring, virtio, virtio_mmio, virtio_blk, virtio_console). */
    static final Map<String, String> MODULES = new LinkedHashMap<>();

    static {
        MODULES.put("virtio_rng", "CONFIG_HW_RANDOM_VIRTIO");
        MODULES.put("virtio_input", "CONFIG_VIRTIO_INPUT");
        MODULES.put("evdev", "CONFIG_INPUT_EVDEV");
        MODULES.put("virtio_net", "CONFIG_VIRTIO_NET");
        // ext4 and jbd2 ask the crypto API for "crc32c" at mount time; there is no modprobe in the guest.
        MODULES.put("crc32c_generic", "CONFIG_CRYPTO_CRC32C");
        MODULES.put("ext4", "CONFIG_EXT4_FS");
    }

    private static LinuxImage.Image image;
    private static LinuxImage.Unavailable unavailable;

    private GuestImage() {
    }

    /** {@code org.virtio.linuxtest/target/level-c} (surefire runs in the module directory). */
    static Path cache() {
        return Path.of("target", "level-c").toAbsolutePath();
    }

    /**
     * Prepares the image once per JVM.
     *
     * @throws LinuxImage.Unavailable where Debian's packages cannot be fetched (no apt, no archive): a reason to skip
     */
    static synchronized LinuxImage.Image get() throws IOException, InterruptedException, LinuxImage.Unavailable {
        if (image != null) {
            return image;
        }
        if (unavailable != null) {
            throw unavailable;
        }
        Path cache = cache();
        Path scripts = cache.resolve("vtest");
        Files.createDirectories(scripts);
        Map<String, Path> files = new TreeMap<>();
        for (String s : SCRIPTS) {
            Path p = scripts.resolve(s + ".sh");
            try (InputStream in = GuestImage.class.getResourceAsStream("/vtest/" + s + ".sh")) {
                if (in == null) {
                    throw new IllegalStateException("test resource vtest/" + s + ".sh is missing");
                }
                Files.write(p, in.readAllBytes());
            }
            files.put("vtest/" + s + ".sh", p);
        }
        try {
            image = LinuxImage.prepare(cache, new PrintStream(System.out, true),
                    new LinuxImage.Extras("level-c", MODULES, GuestImage::initScript, files));
        } catch (LinuxImage.Unavailable e) {
            unavailable = e;
            throw e;
        }
        return image;
    }

    /** The generic /init: modules in {@code order}, then the check named by {@code vtest=} on the command line. */
    static String initScript(List<String> order) {
        return """
                #!/bin/busybox sh
                B=/bin/busybox
                $B mount -t proc proc /proc
                $B mount -t sysfs sysfs /sys
                $B mount -t devtmpfs devtmpfs /dev
                $B --install -s /bin 2>/dev/null
                export PATH=/bin
                for m in %s; do
                  insmod /lib/modules/$m.ko || echo "VTEST init FAIL insmod $m failed"
                done
                echo "VTEST-INIT modules: $(cut -d' ' -f1 /proc/modules | tr '\\n' ' ')"
                t=
                for a in $(cat /proc/cmdline); do
                  case "$a" in vtest=*) t=${a#vtest=} ;; esac
                done
                [ -n "$t" ] || echo "VTEST init FAIL no vtest= on the kernel command line"
                for s in $(echo "$t" | tr , ' '); do
                  if [ -f /vtest/$s.sh ]; then
                    sh /vtest/$s.sh
                  else
                    echo "VTEST init FAIL no check script /vtest/$s.sh"
                  fi
                done
                sync
                echo "%s"
                reboot -f
                """.formatted(String.join(" ", order), END);
    }
}
