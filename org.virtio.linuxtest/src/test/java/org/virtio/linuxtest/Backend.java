package org.virtio.linuxtest;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A vhost-user backend run as a separate process: ours ({@code bin/virtio-vmm vhost-user-backend ...}) or
 * a peer ({@code qemu-storage-daemon}). A real process, so a test can kill it with SIGKILL in the middle
 * of I/O and start it again on the same socket, and its CPU time can be read from {@code /proc/<pid>/stat}
 * apart from the test JVM's. Its output goes to {@code target/level-c/logs/<name>.backend.log}.
 */
final class Backend implements AutoCloseable {
    /** The backend rejected its command line (exit status 2 of bin/virtio-vmm): a feature it does not have yet. */
    static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;

        Unsupported(String message) {
            super(message);
        }
    }

    private final String name;
    private final List<String> command;
    private final Path socket;
    private final Path log;
    private final java.util.Map<String, String> environment = new java.util.HashMap<>();
    private Process process;
    private int starts;

    /**
     * @param name    log file name
     * @param command the full command line
     * @param socket  the unix socket the backend listens on (deleted before each start, waited for after)
     */
    Backend(String name, List<String> command, Path socket) throws IOException {
        this.name = name;
        this.command = List.copyOf(command);
        this.socket = socket;
        Path logs = GuestImage.cache().resolve("logs");
        Files.createDirectories(logs);
        this.log = logs.resolve(name + ".backend.log");
        Files.deleteIfExists(log);
    }

    /** {@code bin/virtio-vmm vhost-user-backend --socket SOCKET <args>} of this working tree. */
    static Backend ours(String name, Path socket, String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(virtioVmm().toString(), "vhost-user-backend",
                "--socket", socket.toString()));
        cmd.addAll(List.of(args));
        return new Backend(name, cmd, socket);
    }

    /**
     * Why our backend cannot serve {@code device} yet, or null when it can: the usage text of
     * {@code bin/virtio-vmm vhost-user-backend --help} must list {@code --device <device>}.
     */
    static String whyOursLacks(String device) throws IOException, InterruptedException {
        String out = help();
        if (!out.contains("vhost-user-backend")) {
            return "bin/virtio-vmm has no vhost-user-backend subcommand: " + firstLines("=== start\n" + out, 1);
        }
        if (!out.contains("--device " + device)) {
            return "bin/virtio-vmm vhost-user-backend --help lists no --device " + device;
        }
        return null;
    }

    private static String help;

    /** The output of {@code bin/virtio-vmm vhost-user-backend --help} (run once per test JVM). */
    static synchronized String help() throws IOException, InterruptedException {
        if (help != null) {
            return help;
        }
        Process p = new ProcessBuilder(virtioVmm().toString(), "vhost-user-backend", "--help")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("bin/virtio-vmm vhost-user-backend --help did not finish in 120 s");
        }
        help = out;
        return out;
    }

    /** qemu-storage-daemon's vhost-user-blk export of {@code image}. */
    static Backend qemuStorageDaemon(String name, Path socket, Path image) throws IOException {
        return new Backend(name, List.of("qemu-storage-daemon",
                "--blockdev", "driver=file,node-name=f,filename=" + image + ",cache.direct=off",
                "--export", "type=vhost-user-blk,id=e,node-name=f,addr.type=unix,addr.path=" + socket
                        + ",writable=on,num-queues=1"), socket);
    }

    /** The repository's {@code bin/virtio-vmm} (surefire runs in org.virtio.linuxtest/). */
    static Path virtioVmm() {
        return Path.of("..", "bin", "virtio-vmm").toAbsolutePath().normalize();
    }

    /**
     * Starts the process and waits until its socket exists.
     *
     * @throws Unsupported if it exited with status 2 (a usage error: the subcommand, device or option is not there)
     * @throws IOException if it exited otherwise, or no socket appeared within {@code timeout}
     */
    void start(Duration timeout) throws IOException, InterruptedException, Unsupported {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        Files.deleteIfExists(socket);
        starts++;
        Files.writeString(log, "=== start " + starts + ": " + String.join(" ", command) + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(environment);
        process = pb.start();
        process.getOutputStream().close();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(socket)) {
            if (!process.isAlive()) {
                int status = process.exitValue();
                String out = output();
                if (status == 2) {
                    throw new Unsupported(String.join(" ", command) + " exited 2 (usage error): " + firstLines(out, 2));
                }
                throw new IOException(name + " exited " + status + " before creating " + socket + ": " + lastLines(out, 20));
            }
            if (System.nanoTime() > deadline) {
                kill();
                throw new IOException(name + " created no socket " + socket + " within " + timeout + ": "
                        + lastLines(output(), 20));
            }
            Thread.sleep(50);
        }
        awaitAccepting(deadline);
    }

    /**
     * Connects once and closes: the socket file exists from bind() on, before listen(), and QEMU without
     * {@code reconnect=} gives up at once on a refused connection. (A backend must survive a frontend that
     * goes away anyway.)
     */
    private void awaitAccepting(long deadline) throws IOException, InterruptedException {
        while (true) {
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                return;
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    kill();
                    throw new IOException(name + " does not accept connections on " + socket + ": " + e + ": "
                            + lastLines(output(), 20));
                }
                Thread.sleep(50);
            }
        }
    }

    /** An environment variable for the next start, e.g. {@code JDK_JAVA_OPTIONS} (read by every JDK 9+ java launcher). */
    Backend environment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** What the backend printed, all starts. */
    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /**
     * utime + stime of the running process from {@code /proc/<pid>/stat}, in clock ticks (USER_HZ, 100 on
     * Debian's kernels); children not counted (the JVM and qemu-storage-daemon are single processes).
     */
    long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** SIGKILL, as a crash would end it; waits for the process to be gone. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** SIGTERM, then SIGKILL after 5 s. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    /** The first {@code n} lines the last start printed (a usage error's message comes before the usage text). */
    static String firstLines(String s, int n) {
        String[] all = s.substring(s.lastIndexOf("=== start")).strip().split("\n");
        return String.join(" | ", java.util.Arrays.copyOfRange(all, Math.min(1, all.length), Math.min(1 + n, all.length)));
    }

    static String lastLines(String s, int n) {
        String[] all = s.strip().split("\n");
        return String.join(" | ", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - n), all.length));
    }
}
