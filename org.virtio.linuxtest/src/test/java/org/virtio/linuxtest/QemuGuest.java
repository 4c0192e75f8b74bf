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
 * memory and in {@code target/level-c/logs/<name>.log}; {@link #close()} kills QEMU whatever happened.
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
        static Device blk(Path socket, int reconnect) {
            return new Device(socket, reconnect, List.of("-device", "vhost-user-blk,chardev=%c,num-queues=1"));
        }

        static Device rng(Path socket) {
            return new Device(socket, 0, List.of("-device", "vhost-user-rng,chardev=%c"));
        }

        static Device input(Path socket) {
            return new Device(socket, 0, List.of("-device", "vhost-user-input,chardev=%c"));
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
        Path logs = GuestImage.cache().resolve("logs");
        Files.createDirectories(logs);
        List<String> cmd = new ArrayList<>(List.of(QEMU, "-accel", "tcg", "-cpu", "max",
                "-M", "microvm,acpi=on,pit=on,pic=on,rtc=on,memory-backend=mem", "-m", memoryMb + "M",
                "-object", "memory-backend-memfd,id=mem,size=" + memoryMb + "M,share=on",
                "-smp", "1", "-nographic", "-no-reboot", "-nodefaults", "-serial", "stdio",
                "-global", "virtio-mmio.force-legacy=false",
                "-kernel", image.kernel().toString(), "-initrd", image.initrd().toString(),
                "-append", "console=ttyS0 panic=-1 reboot=k quiet loglevel=4 vtest=" + String.join(",", checks)
                        + (cmdline.isBlank() ? "" : " " + cmdline)));
        for (int i = 0; i < devices.size(); i++) {
            Device d = devices.get(i);
            String id = "c" + i;
            cmd.add("-chardev");
            cmd.add("socket,id=" + id + ",path=" + d.socket() + (d.reconnect() > 0 ? ",reconnect=" + d.reconnect() : ""));
            for (String a : d.qemuArgs()) {
                cmd.add(a.replace("%c", id));
            }
        }
        Path logFile = logs.resolve(name + ".log");
        Files.writeString(logs.resolve(name + ".cmd"), String.join(" ", cmd) + "\n");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        return new QemuGuest(p, logFile);
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
        boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
