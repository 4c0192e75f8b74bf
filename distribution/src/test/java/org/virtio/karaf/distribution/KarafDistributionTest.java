package org.virtio.karaf.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
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
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Starts the built distribution as a real process on this JDK (25) and drives it with {@code bin/client}:
 * our features at boot, our bundles active, JAAS roles (which only work with the org.virtio.karaf.jdk25
 * agent), the device factory components, then {@code bin/stop} and no ERROR in {@code data/log/karaf.log}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KarafDistributionTest {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final List<String> FEATURES = List.of("virtio-core", "virtio-kvm", "virtio-transport-mmio",
            "virtio-device-rng", "virtio-device-blk", "virtio-device-console");
    private static final List<String> BUNDLES = List.of("org.virtio.core", "org.virtio.kvm",
            "org.virtio.transport.mmio", "org.virtio.device.rng", "org.virtio.device.blk",
            "org.virtio.device.console");
    private static final List<String> COMPONENTS = List.of("org.virtio.device.rng.RngDeviceFactory",
            "org.virtio.device.blk.BlkDeviceFactory", "org.virtio.device.console.ConsoleDeviceFactory");

    private Path home;
    private Process karaf;
    private int sshPort;
    private boolean stopped;

    @BeforeAll
    void unpackAndStart() throws Exception {
        String archive = System.getProperty("distribution.archive");
        Assumptions.assumeTrue(archive != null && Files.isRegularFile(Path.of(archive)),
                "distribution not built (no " + archive + "): run mvn verify, not only test");
        Path work = Path.of(System.getProperty("distribution.workdir", "target/it"));
        deleteTree(work);
        Files.createDirectories(work);
        run(work, Duration.ofSeconds(60), "tar", "xzf", Path.of(archive).toAbsolutePath().toString());
        try (Stream<Path> entries = Files.list(work)) {
            home = entries.filter(Files::isDirectory).findFirst().orElseThrow().toAbsolutePath();
        }
        // Like stock Karaf the distribution ships no login; this test's copy enables the sample admin user.
        Path users = home.resolve("etc/users.properties");
        Files.writeString(users, Files.readString(users).replace("#karaf = karaf,", "karaf = karaf,")
                .replace("#_g_\\:admingroup", "_g_\\:admingroup"));
        sshPort = freePort();
        setProperty("etc/org.apache.karaf.shell.cfg", "sshPort", String.valueOf(sshPort));
        setProperty("etc/org.apache.karaf.management.cfg", "rmiRegistryPort", String.valueOf(freePort()));
        setProperty("etc/org.apache.karaf.management.cfg", "rmiServerPort", String.valueOf(freePort()));

        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("karaf.out").toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        karaf = builder.start();

        Instant deadline = Instant.now().plus(START_TIMEOUT);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            if (!karaf.isAlive()) {
                fail("Karaf exited with " + karaf.exitValue() + ": " + Files.readString(work.resolve("karaf.out")));
            }
            List<String> lines = lastLines(client(Duration.ofSeconds(20), "feature:list -i").output());
            last = String.join("\n", lines);
            if (FEATURES.stream().allMatch(f -> lineWith(f + " ", "Started", lines))) {
                return;
            }
            Thread.sleep(2000);
        }
        fail("features not started within " + START_TIMEOUT + "; last feature:list -i:\n" + last);
    }

    @Test
    @Order(1)
    void ourFeaturesAreInstalled() throws Exception {
        String out = show("feature:list -i");
        for (String feature : FEATURES) {
            assertTrue(lineWith(feature + " ", "Started", lastLines(out)), feature + " not started:\n" + out);
        }
    }

    @Test
    @Order(2)
    void ourBundlesAreActive() throws Exception {
        String out = show("bundle:list -s");
        for (String bundle : BUNDLES) {
            assertTrue(lastLines(out).stream().anyMatch(l -> l.strip().endsWith("| " + bundle) && l.contains("| Active ")),
                    bundle + " not Active:\n" + out);
        }
    }

    @Test
    @Order(3)
    void jaasWhoamiShowsRolesThroughTheAgent() throws Exception {
        String out = show("jaas:whoami -r");
        assertTrue(out.contains("admin"), "no admin role:\n" + out);
    }

    /**
     * {@code scr:list} only returns a value, which the client prints only in an interactive session, so this
     * one is typed on the client's stdin. The factories are delayed components: SATISFIED (service registered,
     * instance created on first use) or ACTIVE once something used them.
     */
    @Test
    @Order(4)
    void deviceFactoryComponentsAreSatisfied() throws Exception {
        String out = interactive("scr:list", COMPONENTS);
        System.out.println("karaf@root()> scr:list\n" + out.lines().filter(l -> l.contains("bundle") || l.contains("State:"))
                .reduce("", (a, b) -> a + b + "\n"));
        List<String> lines = lastLines(out);
        for (String component : COMPONENTS) {
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith(component + " in bundle") && lines.get(i).contains("enabled")) {
                    at = i;
                }
            }
            assertTrue(at >= 0 && at + 1 < lines.size(), component + " not listed:\n" + out);
            String state = lines.get(at + 1);
            assertTrue(state.contains("State:SATISFIED") || state.contains("State:ACTIVE"),
                    component + " not satisfied: " + state);
        }
    }

    /** Types {@code command} into an interactive bin/client session until all {@code expected} appear. */
    private String interactive(String command, List<String> expected) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/client").toString(), "-a",
                String.valueOf(sshPort), "-u", "karaf", "-p", "karaf").directory(home.toFile())
                .redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        StringBuffer out = new StringBuffer();
        Thread reader = Thread.ofVirtual().start(() -> {
            byte[] buffer = new byte[8192];
            try (var in = process.getInputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // closed
            }
        });
        try (var stdin = process.getOutputStream()) {
            stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            Instant deadline = Instant.now().plusSeconds(30);
            while (Instant.now().isBefore(deadline) && !expected.stream().allMatch(e -> out.indexOf(e) >= 0)) {
                Thread.sleep(200);
            }
            Thread.sleep(500);
            stdin.write("logout\n".getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        reader.join(Duration.ofSeconds(5));
        return out.toString().replaceAll("\u001B\\[[0-9;]*m", "");
    }

    @Test
    @Order(5)
    void stopsWithoutErrorsInTheLog() throws Exception {
        stop();
        assertEquals(0, karaf.exitValue(), "Karaf exit code");
        List<String> errors;
        try (Stream<String> lines = Files.lines(home.resolve("data/log/karaf.log"), StandardCharsets.UTF_8)) {
            errors = lines.filter(line -> line.contains("| ERROR |") || line.contains(" ERROR ")).toList();
        }
        System.out.println("karaf.log ERROR lines: " + errors.size());
        assertEquals(List.of(), errors, "errors in data/log/karaf.log");
    }

    @AfterAll
    void stopIfRunning() throws Exception {
        if (karaf != null && karaf.isAlive()) {
            karaf.descendants().forEach(ProcessHandle::destroyForcibly);
            karaf.destroyForcibly();
            karaf.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void stop() throws Exception {
        if (stopped) {
            return;
        }
        stopped = true;
        run(home, Duration.ofSeconds(60), home.resolve("bin/stop").toString());
        if (!karaf.waitFor(60, TimeUnit.SECONDS)) {
            fail("Karaf did not stop within 60 s");
        }
    }

    private String show(String command) throws Exception {
        Result result = client(Duration.ofSeconds(60), command);
        System.out.println("karaf@root()> " + command + "\n" + result.output());
        assertEquals(0, result.exit(), command + " failed:\n" + result.output());
        return result.output();
    }

    /** Runs one shell command as an argument of bin/client; stdin stays open (an empty stdin prints "Closed"). */
    private Result client(Duration timeout, String command) throws Exception {
        return run(home, timeout, home.resolve("bin/client").toString(), "-a", String.valueOf(sshPort),
                "-u", "karaf", "-p", "karaf", "-r", "2", "-d", "1", command);
    }

    private Result run(Path dir, Duration timeout, String... command) throws Exception {
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

    private static List<String> lastLines(String text) {
        return text.lines().toList();
    }

    private static boolean lineWith(String name, String state, List<String> lines) {
        return lines.stream().anyMatch(line -> line.contains(name) && line.contains(state));
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

    private record Result(int exit, String output) {
    }
}
