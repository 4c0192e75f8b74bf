package org.virtio.karaf.distribution;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * One copy of the built distribution, unpacked into its own folder and run as a real {@code bin/karaf server}
 * process on this JDK, driven with {@code bin/client} over its SSH port. Users: {@code karaf/karaf} (admingroup:
 * admin, manager, viewer, ssh) and {@code viewer/viewer} (viewer, ssh only).
 */
final class KarafInstance implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Path work;
    private final Path home;
    private final int sshPort;
    private Process karaf;
    private boolean stopped;

    private KarafInstance(Path work, Path home, int sshPort) {
        this.work = work;
        this.home = home;
        this.sshPort = sshPort;
    }

    /**
     * Unpacks the archive named by the {@code distribution.archive} system property into
     * {@code <distribution.workdir>/<name>} (skipping the test when it was not built) and sets free ports.
     */
    static KarafInstance unpack(String name) throws Exception {
        String archive = System.getProperty("distribution.archive");
        Assumptions.assumeTrue(archive != null && Files.isRegularFile(Path.of(archive)),
                "distribution not built (no " + archive + "): run mvn verify, not only test");
        Path work = Path.of(System.getProperty("distribution.workdir", "target/it")).resolve(name).toAbsolutePath();
        deleteTree(work);
        Files.createDirectories(work);
        run(work, Duration.ofSeconds(60), "tar", "xzf", Path.of(archive).toAbsolutePath().toString());
        Path home;
        try (Stream<Path> entries = Files.list(work)) {
            home = entries.filter(Files::isDirectory).findFirst().orElseThrow().toAbsolutePath();
        }
        KarafInstance instance = new KarafInstance(work, home, freePort());
        instance.configure();
        return instance;
    }

    /** Like stock Karaf the distribution ships no login; this test copy enables the sample admin and a viewer. */
    private void configure() throws IOException {
        Path users = home.resolve("etc/users.properties");
        Files.writeString(users, Files.readString(users).replace("#karaf = karaf,", "karaf = karaf,")
                .replace("#_g_\\:admingroup", "_g_\\:admingroup") + "\nviewer = viewer,viewer,ssh\n");
        setProperty("etc/org.apache.karaf.shell.cfg", "sshPort", String.valueOf(sshPort));
        setProperty("etc/org.apache.karaf.management.cfg", "rmiRegistryPort", String.valueOf(freePort()));
        setProperty("etc/org.apache.karaf.management.cfg", "rmiServerPort", String.valueOf(freePort()));
    }

    /** @return the distribution's folder (KARAF_HOME) */
    Path home() {
        return home;
    }

    /** Starts {@code bin/karaf server} and waits until {@code feature:list -i} shows all these features Started. */
    void start(List<String> features) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("karaf.out").toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        karaf = builder.start();
        String last = awaitOutput("feature:list -i", START_TIMEOUT,
                out -> features.stream().allMatch(f -> out.lines().anyMatch(l -> l.contains(f + " ") && l.contains("Started"))));
        if (last == null) {
            fail("features " + features + " not started within " + START_TIMEOUT);
        }
    }

    /**
     * Runs {@code command} every second until its output satisfies {@code done} or the timeout passes.
     *
     * @return the satisfying output, or null on timeout
     */
    String awaitOutput(String command, Duration timeout, Predicate<String> done) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (karaf != null && !karaf.isAlive()) {
                fail("Karaf exited with " + karaf.exitValue() + ": " + Files.readString(work.resolve("karaf.out")));
            }
            String out = client("karaf", command).output();
            if (done.test(out)) {
                return out;
            }
            Thread.sleep(1000);
        }
        return null;
    }

    /** Runs one shell command as {@code user} (password = user name) as an argument of bin/client. */
    Result client(String user, String command) throws Exception {
        return run(home, Duration.ofSeconds(60), home.resolve("bin/client").toString(), "-a", String.valueOf(sshPort),
                "-u", user, "-p", user, "-r", "2", "-d", "1", command);
    }

    /**
     * Types {@code command} into an interactive bin/client session, waits until every {@code expected} text was
     * printed (or 120 s, for a loaded machine), then types {@code after} (e.g. a detach key) and {@code logout}.
     */
    String interactive(String command, List<String> expected, String after) throws Exception {
        return interactive(command, null, () -> { }, expected, after);
    }

    /**
     * Like {@link #interactive(String, List, String)}, and runs {@code action} once as soon as {@code trigger}
     * was printed (e.g. once a console is attached).
     */
    String interactive(String command, String trigger, Runnable action, List<String> expected, String after)
            throws Exception {
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/client").toString(), "-a",
                String.valueOf(sshPort), "-u", "karaf", "-p", "karaf").directory(home.toFile())
                .redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        StringBuffer out = new StringBuffer();
        Thread reader = Thread.ofVirtual().start(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = process.getInputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // closed
            }
        });
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            Instant deadline = Instant.now().plusSeconds(120);
            boolean triggered = trigger == null;
            while (Instant.now().isBefore(deadline) && !expected.stream().allMatch(e -> out.indexOf(e) >= 0)) {
                if (!triggered && out.indexOf(trigger) >= 0) {
                    triggered = true;
                    action.run();
                }
                Thread.sleep(200);
            }
            Thread.sleep(500);
            stdin.write(after.getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            Thread.sleep(1000);
            stdin.write("logout\n".getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            // the session ended by itself
        }
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        reader.join(Duration.ofSeconds(5));
        return out.toString().replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "");
    }

    /** Stops Karaf with bin/stop and waits for the process; returns its exit value. */
    int stop() throws Exception {
        if (!stopped) {
            stopped = true;
            run(home, Duration.ofSeconds(60), home.resolve("bin/stop").toString());
            if (!karaf.waitFor(60, TimeUnit.SECONDS)) {
                fail("Karaf did not stop within 60 s");
            }
        }
        return karaf.exitValue();
    }

    /** @return the lines of data/log/karaf.log that contain {@code text} */
    List<String> logLines(Predicate<String> which) throws IOException {
        try (Stream<String> lines = Files.lines(home.resolve("data/log/karaf.log"), StandardCharsets.UTF_8)) {
            return lines.filter(which).toList();
        }
    }

    @Override
    public void close() throws Exception {
        if (karaf != null && karaf.isAlive()) {
            karaf.descendants().forEach(ProcessHandle::destroyForcibly);
            karaf.destroyForcibly();
            karaf.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static Result run(Path dir, Duration timeout, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        Path out = Files.createTempFile("karaf-client", ".out");
        try {
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    Files.write(out, process.getInputStream().readAllBytes());
                } catch (IOException e) {
                    // the process died; its output so far is all there is
                }
            });
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(Duration.ofSeconds(10));
            return new Result(process.isAlive() ? -1 : process.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private void setProperty(String file, String key, String value) throws IOException {
        Path path = home.resolve(file);
        List<String> lines = new ArrayList<>();
        boolean replaced = false;
        for (String line : Files.readAllLines(path)) {
            if (line.replace(" ", "").startsWith(key + "=")) {
                lines.add(key + " = " + value);
                replaced = true;
            } else {
                lines.add(line);
            }
        }
        if (!replaced) {
            lines.add(key + " = " + value);
        }
        Files.write(path, lines);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** A finished command: exit status (-1 when it had to be killed) and its output. */
    record Result(int exit, String output) {
    }
}
