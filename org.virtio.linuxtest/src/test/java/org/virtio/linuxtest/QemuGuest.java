package org.virtio.linuxtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.virtio.launcher.LinuxImage;

/**
 * One QEMU TCG guest running the level-C image: {@code qemu-system-x86_64 -accel tcg -cpu max
 * -M microvm,acpi=on} (virtio-mmio found through ACPI, as under our own VMM; modern virtio-mmio through
 * {@code -global virtio-mmio.force-legacy=false}), guest RAM in a shared memfd (vhost-user backends map it),
 * one {@code -chardev socket} + vhost-user device per {@link Device}. The serial console (stdout) is kept in
 * memory and in {@code target/level-c/logs/<name>.console.log}; {@link #close()} kills QEMU whatever happened.
 */
final class QemuGuest implements AutoCloseable {
    static final String QEMU = "qemu-system-x86_64";

    /**
     * A vhost-user device: the chardev and the device (or netdev) options QEMU gets for it.
     *
     * @param socket    the backend's unix socket
     * @param reconnect reconnect to a restarted backend after this many seconds (0: never; QEMU then fails
     *                  when the backend goes away)
     * @param qemuArgs  what follows the chardev, with {@code %c} for the chardev id, e.g.
     *                  {@code -device vhost-user-blk,chardev=%c,num-queues=1}
     */
    record Device(Path socket, int reconnect, List<String> qemuArgs) {
        /**
         * With {@code reconnect} also {@code queue-size=1024}: QEMU's virtio-mmio offers the guest 1024 entries
         * whatever {@code queue-size} says, but sizes the INFLIGHT_SHMFD region by {@code queue-size} (128 by
         * default), and a backend cannot track a 1024-entry ring in a 128-entry region — so the restart test
         * would not exercise in-flight tracking at all.
         */
        static Device blk(Path socket, int reconnect) {
            return new Device(socket, reconnect, List.of("-device", "vhost-user-blk,chardev=%c,num-queues=1"
                    + (reconnect > 0 ? ",queue-size=1024" : "")));
        }

        static Device rng(Path socket) {
            return new Device(socket, 0, List.of("-device", "vhost-user-rng,chardev=%c"));
        }

        static Device input(Path socket) {
            return new Device(socket, 0, List.of("-device", "vhost-user-input,chardev=%c"));
        }

        /** A read-only raw image on QEMU's own virtio-blk (no vhost-user): the benchmark's tools disk. */
        static Device builtinDisk(Path image) {
            return new Device(null, 0, List.of("-drive", "id=d%c,file=" + image + ",format=raw,if=none,readonly=on",
                    "-device", "virtio-blk-device,drive=d%c"));
        }

        static Device net(Path socket) {
            return new Device(socket, 0, List.of("-netdev", "vhost-user,id=n%c,chardev=%c",
                    "-device", "virtio-net-device,netdev=n%c"));
        }
    }

    private final Process process;
    private final StringBuffer console = new StringBuffer();
    private final Thread reader;
    private final Path log;
    private final long started = System.nanoTime();

    private QemuGuest(Process process, Path log) throws IOException {
        this.process = process;
        this.log = log;
        OutputStream file = Files.newOutputStream(log);
        this.reader = Thread.ofPlatform().daemon().name("qemu-console-" + process.pid()).start(() -> {
            try (InputStream in = process.getInputStream(); file) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    file.write(buf, 0, n);
                    file.flush();
                    synchronized (console) {
                        console.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        console.notifyAll();
                    }
                }
            } catch (IOException e) {
                // QEMU ended or was killed
            }
        });
    }

    /**
     * Starts the guest.
     *
     * @param name     log file name, e.g. {@code blk-qsd}
     * @param checks   the check scripts to run, in order ({@code vtest=a,b})
     * @param cmdline  more kernel command line ({@code vtest.off=48}), may be empty
     * @param memoryMb guest RAM
     * @param devices  the vhost-user devices
     */
    static QemuGuest start(LinuxImage.Image image, String name, List<String> checks, String cmdline, int memoryMb,
            List<Device> devices) throws IOException {
        return start(image, name, checks, cmdline, memoryMb, devices, false);
    }

    /**
     * {@link #start(LinuxImage.Image, String, List, String, int, List)} under KVM instead of TCG when
     * {@code kvm} is set and {@link #whyNoHardwareKvm()} is null ({@code -cpu max,arch-capabilities=off}: plain
     * {@code max} aborts on some hosts, ENVIRONMENT.md).
     */
    static QemuGuest start(LinuxImage.Image image, String name, List<String> checks, String cmdline, int memoryMb,
            List<Device> devices, boolean kvm) throws IOException {
        return start(image, name, checks, cmdline, memoryMb, devices, kvm, List.of(QEMU));
    }

    /**
     * {@link #start(LinuxImage.Image, String, List, String, int, List, boolean)} with another QEMU: {@code qemu} is
     * the command prefix in place of {@value #QEMU} (e.g. {@link BackportsQemu.Qemu#command()}).
     */
    static QemuGuest start(LinuxImage.Image image, String name, List<String> checks, String cmdline, int memoryMb,
            List<Device> devices, boolean kvm, List<String> qemu) throws IOException {
        Path logs = GuestImage.cache().resolve("logs");
        Files.createDirectories(logs);
        boolean useKvm = kvm && whyNoHardwareKvm() == null;
        List<String> cmd = new ArrayList<>(qemu);
        cmd.addAll(List.of("-accel", useKvm ? "kvm" : "tcg",
                "-cpu", useKvm ? "max,arch-capabilities=off" : "max",
                "-M", "microvm,acpi=on,pit=on,pic=on,rtc=on,memory-backend=mem", "-m", memoryMb + "M",
                "-object", "memory-backend-memfd,id=mem,size=" + memoryMb + "M,share=on",
                "-smp", "1", "-nographic", "-no-reboot", "-nodefaults", "-serial", "stdio",
                "-global", "virtio-mmio.force-legacy=false",
                "-kernel", image.kernel().toString(), "-initrd", image.initrd().toString(),
                // reboot=t: microvm has no i8042, so reboot=k falls back to a BIOS restart that QEMU does not
                // see as a reset (-no-reboot then never ends it; seen with 7.2 and 10); a triple fault is a reset.
                "-append", "console=ttyS0 panic=-1 reboot=t quiet loglevel=4" + tscKhz() + " vtest=" + String.join(",", checks)
                        + (cmdline.isBlank() ? "" : " " + cmdline)));
        for (int i = 0; i < devices.size(); i++) {
            Device d = devices.get(i);
            String id = "c" + i;
            if (d.socket() != null) {
                cmd.add("-chardev");
                cmd.add("socket,id=" + id + ",path=" + d.socket() + (d.reconnect() > 0 ? ",reconnect=" + d.reconnect() : ""));
            }
            for (String a : d.qemuArgs()) {
                cmd.add(a.replace("%c", id));
            }
        }
        Path logFile = logs.resolve(name + ".console.log");
        Files.writeString(logs.resolve(name + ".cmd"), String.join(" ", cmd) + "\n");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        return new QemuGuest(p, logFile);
    }

    /**
     * {@code tsc_early_khz=} with the host's TSC rate (TCG's rdtsc reads the host TSC): on a loaded host the
     * guest's PIT calibration fails ("tsc: Unable to calibrate against PIT ... Marking TSC unstable") and the
     * kernel was seen to make no progress for minutes after that. Empty where /proc/cpuinfo has no rate.
     */
    static String tscKhz() {
        try {
            var m = Pattern.compile("(?m)^cpu MHz\\s*:\\s*([0-9]+)(?:\\.([0-9]{1,3}))?")
                    .matcher(Files.readString(Path.of("/proc/cpuinfo")));
            if (m.find()) {
                String frac = m.group(2) == null ? "" : m.group(2);
                long khz = Long.parseLong(m.group(1)) * 1000 + (frac.isEmpty() ? 0 : Long.parseLong((frac + "00").substring(0, 3)));
                return " tsc_early_khz=" + khz;
            }
        } catch (IOException | RuntimeException e) {
            // no hint then; an idle host calibrates fine
        }
        return "";
    }

    /**
     * Why QEMU cannot run Linux under KVM here, or null: it needs VMX or SVM (this machine kind's /dev/kvm is
     * PVM, which cannot boot stock Linux, ENVIRONMENT.md) and a usable /dev/kvm.
     */
    static String whyNoHardwareKvm() {
        try {
            if (!Pattern.compile("(?m)^flags\\s*:.*\\b(vmx|svm)\\b").matcher(Files.readString(Path.of("/proc/cpuinfo"))).find()) {
                return "the CPU has no VMX/SVM (/dev/kvm here is PVM, which cannot boot stock Linux)";
            }
        } catch (IOException e) {
            return "cannot read /proc/cpuinfo: " + e;
        }
        Path kvm = Path.of("/dev/kvm");
        return Files.isReadable(kvm) && Files.isWritable(kvm) ? null : "no usable /dev/kvm";
    }

    /** Everything QEMU and the guest printed so far. */
    String console() {
        return console.toString();
    }

    Path log() {
        return log;
    }

    long pid() {
        return process.pid();
    }

    /**
     * Waits until the console has a line matching {@code line} (a find, not a full match).
     *
     * @return whether it appeared before the timeout or before QEMU ended
     */
    boolean await(Pattern line, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (console) {
            while (true) {
                if (line.matcher(console).find()) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    return false;
                }
                console.wait(Math.min(200, Math.max(1, left / 1_000_000)));
            }
        }
    }

    /**
     * Waits for QEMU to end (the guest resets after {@value GuestImage#END}); kills it at the timeout.
     *
     * @return true if it ended by itself
     */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return awaitEnd(timeout, null);
    }

    /**
     * QEMU's messages when a vhost-user device could not be started: without {@code reconnect=} nothing
     * retries, and the guest driver then waits for ever on its first request.
     */
    static final Pattern VHOST_START_FAILED = Pattern.compile("vhost start failed|Error starting vhost");

    /**
     * {@link #awaitEnd(Duration)}, but also kills QEMU as soon as the console matches {@code fatal} (may be null).
     *
     * @return true if QEMU ended by itself
     */
    boolean awaitEnd(Duration timeout, Pattern fatal) throws InterruptedException {
        boolean ended;
        if (fatal == null) {
            ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!(ended = process.waitFor(200, TimeUnit.MILLISECONDS)) && System.nanoTime() < deadline) {
                if (fatal.matcher(console).find()) {
                    break;
                }
            }
        }
        if (!ended) {
            kill();
        }
        reader.join(5000);
        return ended;
    }

    /** Seconds since start, for the logs. */
    double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    /** The end of the console, for assertion messages. */
    String tail(int lines) {
        String[] all = console().split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }

    private void kill() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
        reader.join(5000);
    }
}
