package org.virtio.linuxtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.launcher.LinuxImage;

/**
 * Level C, blk backend restart with requests in flight: {@value #WRITERS} guest writers keep 256 KiB O_DIRECT
 * writes (each followed by a FLUSH) going at once ({@code blk-restart.sh}) while the test SIGKILLs the backend
 * and starts it again on the same socket; QEMU reconnects ({@code reconnect=1}, {@code queue-size=1024}) and
 * hands the new backend the INFLIGHT_SHMFD region, from which it must resubmit what the dead one had popped but
 * not completed.
 *
 * <p>Kills are aimed, since a blind kill almost never lands between pop and completion (the guest under TCG is
 * far slower than the backend, which is idle most of the time; six runs of two blind kills caught none): the
 * backend is stalled with SIGSTOP for 0.2–0.5 s while the writers queue requests, let run for 0–3 ms into the
 * burst, and frozen again; then the region (QEMU keeps it open as {@code memfd:vhost-inflight}) is read, and
 * when descriptors are flagged in flight it is SIGKILLed while frozen. Up to {@value #MAX_KILLS} kills, until
 * {@value #WANTED} restarts logged "resubmitting N requests" with N &gt; 0; the test fails if none did. Then the
 * host writes {@code VTEST-STOP} into the control block, the writers finish, and every chunk must read back
 * (guest) and be in the image (host) as last written.
 *
 * <p>qemu-storage-daemon runs only with {@code -Dlevel-c.restart-peer=true}, with two blind kills and no
 * resubmission required: it lacks {@code VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD}, so QEMU rewinds its ring on
 * reconnect and it was measured to fail about 1 restart in 11 (ENVIRONMENT.md).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BlkRestartLinuxTest {
    static final int WRITERS = 16;
    /** Chunks of 256 KiB per writer (blk-restart.sh's K). */
    static final int CHUNKS = 8;
    static final long CHUNK = 256 * 1024;
    static final int MAX_KILLS = 10;
    /** The writers' bound if the host never stops them (it always does; up to ~50 writes/s were seen). */
    static final int PASSES = 200;
    /** Kills that resubmitted something before the test stops (one is required; more cover restarts in a row). */
    static final int WANTED = 3;
    /** Descriptors in flight an aimed kill waits for during 2/3 of {@link #AIM} (a batch, not one request). */
    static final int BATCH = 4;
    /** How long each kill may wait for a moment with requests in flight before it kills anyway. */
    static final Duration AIM = Duration.ofSeconds(12);
    /** The control block the guest polls for VTEST-STOP: right after the writers' areas. */
    static final long CONTROL = WRITERS * CHUNKS * CHUNK;
    /** How long after QEMU reconnected the restarted backend may take to log its resubmission. */
    static final Duration RECOVERY = Duration.ofSeconds(5);
    static final Pattern RESUBMITTED = Pattern.compile("resubmitting ([0-9,]+) requests left in flight");
    static final Pattern WRITING = Pattern.compile("VTEST-PROGRESS restart writing");
    static final Pattern WRITERS_DONE = Pattern.compile("VTEST-PROGRESS restart writers-done");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"virtio-vmm", "qemu-storage-daemon"})
    void dataIntactAcrossBackendKills(String backendKind) throws Exception {
        boolean ours = backendKind.equals("virtio-vmm");
        if (!ours) {
            Assumptions.assumeTrue(Boolean.getBoolean("level-c.restart-peer"), "qemu-storage-daemon has no"
                    + " INFLIGHT_SHMFD and loses requests on about 1 restart in 11 (ENVIRONMENT.md); run it with"
                    + " -Dlevel-c.restart-peer=true");
            LevelC.ensureTool("qemu-storage-daemon", "qemu-system-common");
        } else {
            String why = Backend.whyOursLacks("blk");
            Assumptions.assumeTrue(why == null, () -> "our vhost-user blk backend is not there yet: " + why);
        }
        LinuxImage.Image image = LevelC.requireGuest();
        Path img = LevelC.rawImage(dir, "disk.img", (int) (CONTROL / (1024 * 1024)) + 4);
        Path socket = dir.resolve("blk.sock");
        Backend backend = ours
                ? Backend.ours("restart-virtio-vmm", socket, "--device", "blk", "--path", img.toString())
                : Backend.qemuStorageDaemon("restart-qsd", socket, img);
        String console;
        try (backend) {
            try {
                backend.start(Duration.ofSeconds(60));
            } catch (Backend.Unsupported e) {
                Assumptions.abort("our vhost-user blk backend is not there yet: " + e.getMessage());
            }
            try (QemuGuest guest = QemuGuest.start(image, "restart-" + backendKind, List.of("blk-restart"),
                    "vtest.writers=" + WRITERS + " vtest.passes=" + PASSES, 256,
                    List.of(QemuGuest.Device.blk(socket, 1)))) {
                guest.await(Pattern.compile(WRITING.pattern() + "|" + QemuGuest.VHOST_START_FAILED.pattern()),
                        Duration.ofSeconds(180));
                assertTrue(WRITING.matcher(guest.console()).find(), "the guest's writers did not start:\n"
                        + guest.tail(30));
                Thread.sleep(1000);
                Kills kills = ours ? killUntilResubmitted(backend, guest) : blindKills(backend, guest, 2);
                stop(img);
                boolean ended = guest.awaitEnd(Duration.ofSeconds(200));
                console = guest.console();
                System.out.printf("level-C restart (%s): %s; guest ran %.1f s%n", backendKind, kills, guest.seconds());
                if (ours && kills.resubmitted() == 0) {
                    fail("no kill caught a request in flight: after " + kills.count() + " kills (" + kills.aimed()
                            + " at a moment the inflight region showed descriptors in flight) the backend never logged"
                            + " \"resubmitting N requests\" with N > 0, so in-flight resubmission went untested."
                            + " Backend log lines about recovery: " + recoveryLines(backend.output())
                            + (kills.regionSeen() ? "" : "; QEMU never held a memfd:vhost-inflight region"));
                }
                LevelC.assertPassed(guest, "blk-restart");
                LevelC.assertEnded(guest, ended, 200);
                assertTrue(backend.alive(), "the restarted backend died: " + Backend.lastLines(backend.output(), 10));
                assertTrue(console.contains("stopped by host: yes"), "the writers ran out of passes before the host"
                        + " stopped them, so some kills may have hit an idle disk:\n" + guest.tail(20));
            }
        }
        List<List<String>> chunks = GuestResult.data(console, "VTEST-CHUNK");
        assertEquals(WRITERS * CHUNKS, chunks.size(), "VTEST-CHUNK lines (one per 256 KiB chunk)");
        for (List<String> c : chunks) {
            long at = Long.parseLong(c.get(0)) * CHUNK;
            assertEquals(c.get(1), LevelC.sha256(img, at, CHUNK), "sha256 of the chunk at " + at
                    + " in the image on the host, against the slice the guest last wrote there");
        }
        List<List<String>> region = GuestResult.data(console, "VTEST-REGION");
        assertEquals(1, region.size(), "the guest's region checksum (VTEST-REGION line)");
        assertEquals(region.get(0).get(2), LevelC.sha256(img, 0, CONTROL),
                "sha256 of the writers' areas as the guest read them, against the image on the host");
    }

    /** What the kills did: how many, how many aimed at requests in flight, requests resubmitted in all. */
    record Kills(int count, int aimed, int resubmitted, List<Integer> resubmittedPerKill, boolean regionSeen) {
        @Override
        public String toString() {
            return count + " kills (" + aimed + " aimed at descriptors in flight), resubmitted " + resubmittedPerKill
                    + " = " + resubmitted + " requests";
        }
    }

    /** Kills up to {@link #MAX_KILLS} times, each aimed, until {@link #WANTED} restarts resubmitted something. */
    private static Kills killUntilResubmitted(Backend backend, QemuGuest guest) throws Exception {
        int aimed = 0;
        int total = 0;
        boolean regionSeen = false;
        List<Integer> perKill = new ArrayList<>();
        int kill = 0;
        int resubmittingKills = 0;
        while (kill < MAX_KILLS && resubmittingKills < WANTED && !WRITERS_DONE.matcher(guest.console()).find()) {
            kill++;
            int flagged = killWithRequestsInFlight(backend, guest.pid());
            regionSeen |= flagged >= 0;
            if (flagged > 0) {
                aimed++;
            }
            Thread.sleep(500);
            backend.start(Duration.ofSeconds(60));
            // Blk#1 is Backend.start's probe connection; QEMU's is the next. Its rings open right after.
            int n = awaitRestartRecovery(backend, Duration.ofSeconds(30));
            perKill.add(n);
            total += n;
            resubmittingKills += n > 0 ? 1 : 0;
            System.out.printf("level-C restart: kill %d at %.1f s, %d descriptors flagged in flight, %d resubmitted%n",
                    kill, guest.seconds(), flagged, n);
            Thread.sleep(500 + ThreadLocalRandom.current().nextInt(500));
        }
        return new Kills(kill, aimed, total, perKill, regionSeen);
    }

    /** qemu-storage-daemon: kills at fixed spacing (there is no region to aim by). */
    private static Kills blindKills(Backend backend, QemuGuest guest, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            backend.kill();
            Thread.sleep(1000);
            backend.start(Duration.ofSeconds(60));
            Thread.sleep(3000);
        }
        return new Kills(count, 0, 0, List.of(), false);
    }

    /**
     * Stalls the backend so requests pile up, lets it run a few milliseconds into the burst, and freezes it again;
     * when the inflight region then shows descriptors in flight ({@link #BATCH} or more during the first two thirds
     * of {@link #AIM}, then any) it SIGKILLs it frozen; after {@link #AIM} it kills anyway. A stall is what a busy
     * host does to a backend anyway; it makes the backend pop a batch instead of one request at a time (without
     * it the TCG guest is so much slower that every look found at most one descriptor in flight).
     *
     * @return descriptors flagged in flight when killed, 0 when killed without seeing any, -1 when QEMU held no
     *         region
     */
    private static int killWithRequestsInFlight(Backend backend, long qemuPid) throws Exception {
        long start = System.nanoTime();
        long deadline = start + AIM.toNanos();
        int seen = -1;
        long pid = backend.pid();
        int firstUsed = -1;
        boolean moved = false;
        try (Signals signals = new Signals()) {
            signals.run("kill -STOP " + pid);
            while (System.nanoTime() < deadline) {
                awaitStopped(pid);
                InflightState st = inflightDescriptors(qemuPid);
                int flagged = st == null ? -1 : st.flagged();
                seen = Math.max(seen, Math.min(flagged, 0));
                if (st != null) {
                    moved |= firstUsed >= 0 && st.usedIdx() != firstUsed;
                    firstUsed = firstUsed < 0 ? st.usedIdx() : firstUsed;
                }
                int wanted = System.nanoTime() - start < AIM.toNanos() * 2 / 3 ? BATCH : 1;
                if (flagged >= wanted) {
                    backend.kill();
                    return flagged;
                }
                Thread.sleep(200 + ThreadLocalRandom.current().nextInt(300)); // the guest queues more requests
                // Run for 0 to ~3 ms (a builtin loop: a forked sleep would take longer than the burst).
                signals.run("kill -CONT " + pid + "; for ((i = 0; i < " + ThreadLocalRandom.current().nextInt(1200)
                        + "; i++)); do :; done; kill -STOP " + pid);
            }
        }
        backend.kill();
        assertTrue(moved || firstUsed < 0, "no request completed for " + AIM.toSeconds() + " s (the used index"
                + " recorded in the inflight region stayed at " + firstUsed + "): the guest's I/O hangs after the"
                + " backend's restart");
        return seen;
    }

    /** One bash for the signals, so STOP/CONT cost no fork each (kill is a builtin). */
    private static final class Signals implements AutoCloseable {
        private final Process bash;
        private final java.io.BufferedReader out;
        private final java.io.Writer in;

        Signals() throws IOException {
            bash = new ProcessBuilder("bash").redirectErrorStream(true).start();
            out = bash.inputReader(StandardCharsets.UTF_8);
            in = bash.outputWriter(StandardCharsets.UTF_8);
        }

        /** Runs one command line and waits for it to finish. */
        void run(String commands) throws IOException {
            in.write(commands + "; echo signals-done\n");
            in.flush();
            for (String line; (line = out.readLine()) != null; ) {
                if (line.equals("signals-done")) {
                    return;
                }
            }
            throw new IOException("bash for signals ended while running: " + commands);
        }

        @Override
        public void close() throws InterruptedException {
            bash.destroyForcibly();
            bash.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Queue 0 of the inflight region: descriptors flagged in flight, and the used index recorded. */
    record InflightState(int flagged, int usedIdx) {
    }

    /**
     * Counts descriptors flagged in flight in queue 0's area of the INFLIGHT_SHMFD region QEMU holds (vhost-user
     * spec, "Inflight I/O tracking": {@code u64 features, u16 version, u16 desc_num, u16 last_batch_head,
     * u16 used_idx}, then {@code desc_num} states of 16 bytes starting with {@code u8 inflight}).
     *
     * @return the count and the recorded used_idx, or null when QEMU holds no {@code memfd:vhost-inflight}
     */
    static InflightState inflightDescriptors(long qemuPid) throws IOException {
        Path fds = Path.of("/proc", Long.toString(qemuPid), "fd");
        List<Path> list;
        try (Stream<Path> s = Files.list(fds)) {
            list = s.toList();
        }
        for (Path fd : list) {
            String target;
            try {
                target = Files.readSymbolicLink(fd).toString();
            } catch (IOException e) {
                continue; // closed meanwhile
            }
            if (!target.contains("memfd:vhost-inflight")) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(fd, StandardOpenOption.READ)) {
                ByteBuffer head = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(head, 0);
                int descNum = head.getShort(10) & 0xffff;
                ByteBuffer desc = ByteBuffer.allocate(16 * descNum);
                ch.read(desc, 16);
                int n = 0;
                for (int i = 0; i < descNum; i++) {
                    if (desc.get(16 * i) == 1) {
                        n++;
                    }
                }
                return new InflightState(n, head.getShort(14) & 0xffff);
            }
        }
        return null;
    }

    /** Waits until {@code kill -STOP} took hold of every thread (state T in /proc), at most 200 ms. */
    private static void awaitStopped(long pid) throws Exception {
        long deadline = System.nanoTime() + 200_000_000L;
        while (System.nanoTime() < deadline) {
            boolean all = true;
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path t : tasks.toList()) {
                    try {
                        String stat = Files.readString(t.resolve("stat"));
                        char state = stat.charAt(stat.lastIndexOf(')') + 2);
                        all &= state == 'T' || state == 't';
                    } catch (IOException e) {
                        // the thread ended
                    }
                }
            }
            if (all) {
                return;
            }
            Thread.sleep(1);
        }
    }

    /**
     * Waits for QEMU's connection to the restarted backend and returns how many requests it said it resubmits
     * (0 when it logged none within {@link #RECOVERY} of connecting); prints the recovery's warnings, if any.
     */
    private static int awaitRestartRecovery(Backend backend, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long connected = 0;
        String out = "";
        while (System.nanoTime() < deadline) {
            String all = backend.output();
            out = all.substring(Math.max(0, all.lastIndexOf("=== start"))); // this start's lines
            Matcher m = RESUBMITTED.matcher(out);
            if (m.find()) {
                return Integer.parseInt(m.group(1).replace(",", ""));
            }
            // From the first connection on: Backend.start's probe and QEMU's come in either order (the backend
            // serves one at a time, so a probe queued behind QEMU's is logged only after it).
            if (connected == 0 && out.contains("frontend connected")) {
                connected = System.nanoTime();
            }
            if (connected != 0 && System.nanoTime() - connected > RECOVERY.toNanos()) {
                break;
            }
            Thread.sleep(50);
        }
        out.lines().filter(l -> l.startsWith("WARNING")).forEach(l -> System.out.println("level-C restart: backend " + l));
        return 0;
    }

    private static String recoveryLines(String log) {
        return log.lines().filter(l -> l.contains("resubmitting") || l.contains("inflight") || l.contains("in flight"))
                .map(String::strip).toList().toString();
    }

    /** Writes VTEST-STOP into the control block the guest polls (the backend reads the same file). */
    private static void stop(Path img) throws IOException {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("VTEST-STOP".getBytes(StandardCharsets.US_ASCII)), CONTROL);
        }
    }
}
