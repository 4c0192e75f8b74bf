package org.virtio.linuxtest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.virtio.launcher.LinuxImage;

/**
 * The blk benchmark (run by {@code bench/run-blk-bench.sh}, not part of {@code mvn verify}): in the level-C TCG
 * guest, fio 4 KiB random read and write and 128 KiB sequential read and write with O_DIRECT against a
 * vhost-user-blk disk, served once by ours ({@code bin/virtio-vmm vhost-user-backend --device blk}) and once
 * by qemu-storage-daemon, on the same 256 MiB image, in one run. fio and its shared libraries come from the
 * host's fio package on a second, read-only disk (QEMU's built-in virtio-blk, the same for both runs).
 * While each job runs the backend's utime + stime is sampled from {@code /proc/<pid>/stat}; CPU time per
 * request = that delta / the requests fio completed.
 *
 * <p>Prints a markdown table and writes it to {@code target/level-c/bench/results.md}. Options:
 * {@code -Dlevel-c.bench.runtime=10} (seconds per job), {@code -Dlevel-c.bench.depth=16} (iodepth),
 * {@code -Dlevel-c.bench.backends=virtio-vmm,qemu-storage-daemon} (the order they run in),
 * {@code -Dlevel-c.bench.jfr=FILE} (our backend runs with a JFR recording to FILE: where its time goes).
 */
@EnabledIfSystemProperty(named = "level-c.bench", matches = "true",
        disabledReason = "benchmark: bench/run-blk-bench.sh runs it (-Dlevel-c.bench=true)")
@Timeout(value = 1200, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BlkBench {
    static final List<String> JOBS = List.of("randread-4k", "randwrite-4k", "read-128k", "write-128k");
    static final Pattern DONE = Pattern.compile("VTEST-BENCH-DONE (\\S+) (\\d+) (\\d+) (\\d+) (\\d+) (\\d+) (\\d+) (\\d+) (\\d+)");

    /** One job's outcome: IOPS and KiB/s of the direction the job drives, requests, backend CPU ticks. */
    record JobResult(String job, double iops, double kibPerSec, long requests, long cpuTicks) {
        double cpuMicrosPerRequest() {
            return requests == 0 ? Double.NaN : cpuTicks * 10_000.0 / requests;
        }
    }

    @Test
    void blkBenchmark() throws Exception {
        LinuxImage.Image image = LevelC.requireGuest();
        int runtime = Integer.getInteger("level-c.bench.runtime", 10);
        int depth = Integer.getInteger("level-c.bench.depth", 16);
        List<String> backends = List.of(System.getProperty("level-c.bench.backends", "virtio-vmm,qemu-storage-daemon")
                .split(","));
        Path dir = GuestImage.cache().resolve("bench");
        Files.createDirectories(dir);
        Path tools = toolsDisk(dir);
        Path data = dir.resolve("data.img");
        Files.deleteIfExists(data);
        LevelC.Run fill = LevelC.run(List.of("dd", "if=/dev/urandom", "of=" + data, "bs=1M", "count=256", "status=none"));
        assertTrue(fill.status() == 0, "filling the data image: " + fill.output());

        Map<String, Map<String, JobResult>> all = new LinkedHashMap<>();
        Map<String, String> notes = new LinkedHashMap<>();
        for (String kind : backends) {
            try {
                all.put(kind, run(kind, image, tools, data, dir, runtime, depth));
            } catch (Backend.Unsupported | IllegalStateException e) {
                notes.put(kind, e.getMessage());
            }
        }
        String table = table(all, notes, runtime, depth);
        System.out.println(table);
        Files.writeString(dir.resolve("results.md"), table);
        assertTrue(!all.isEmpty(), "no backend could be measured: " + notes);
    }

    private static Map<String, JobResult> run(String kind, LinuxImage.Image image, Path tools, Path data, Path dir,
            int runtime, int depth) throws Exception {
        Path socket = dir.resolve(kind + ".sock");
        Backend backend;
        if (kind.equals("virtio-vmm")) {
            String why = Backend.whyOursLacks("blk");
            if (why != null) {
                throw new Backend.Unsupported(why);
            }
            backend = Backend.ours("bench-virtio-vmm", socket, "--device", "blk", "--path", data.toString());
            String jfr = System.getProperty("level-c.bench.jfr", "");
            if (!jfr.isBlank()) {
                // Where our time goes: JFR's execution samples (the "profile" settings sample every 10 ms).
                backend.environment("JDK_JAVA_OPTIONS", "-XX:StartFlightRecording=settings=profile,filename=" + jfr);
            }
        } else if (kind.equals("qemu-storage-daemon")) {
            LevelC.ensureTool("qemu-storage-daemon", "qemu-system-common");
            backend = Backend.qemuStorageDaemon("bench-qsd", socket, data);
        } else {
            throw new IllegalArgumentException("unknown backend " + kind);
        }
        Map<String, JobResult> results = new LinkedHashMap<>();
        try (backend) {
            backend.start(Duration.ofSeconds(60));
            // The vhost-user disk first: it is /dev/vda, the tools disk /dev/vdb (the script checks labels anyway).
            try (QemuGuest guest = QemuGuest.start(image, "bench-" + kind, List.of("bench"),
                    "vtest.runtime=" + runtime + " vtest.depth=" + depth, 512,
                    List.of(QemuGuest.Device.blk(socket, 0), QemuGuest.Device.builtinDisk(tools)))) {
                Duration jobTimeout = Duration.ofSeconds(runtime * 6L + 120);
                for (String job : JOBS) {
                    guest.await(Pattern.compile("VTEST-BENCH-START " + job + "\\b|VTEST bench (PASS|FAIL)|"
                            + QemuGuest.VHOST_START_FAILED.pattern()), jobTimeout);
                    if (QemuGuest.VHOST_START_FAILED.matcher(guest.console()).find()) {
                        throw new IllegalStateException(kind + ": QEMU could not start the vhost-user device:\n"
                                + guest.tail(6) + "\nbackend: " + Backend.lastLines(backend.output(), 8));
                    }
                    if (!guest.console().contains("VTEST-BENCH-START " + job)) {
                        break; // the dd fallback runs only the sequential jobs
                    }
                    long t0 = backend.cpuTicks();
                    // The whole line: the console arrives in pieces, a prefix alone has no numbers yet.
                    if (!guest.await(Pattern.compile("VTEST-BENCH-DONE " + job + "( \\d+){8}\\s*\\n|VTEST bench FAIL"),
                            jobTimeout)) {
                        throw new IllegalStateException(kind + ": job " + job + " did not finish:\n" + guest.tail(15));
                    }
                    long ticks = backend.cpuTicks() - t0;
                    Matcher m = DONE.matcher(guest.console());
                    while (m.find()) {
                        if (m.group(1).equals(job)) {
                            boolean reads = job.startsWith("rand") ? job.contains("read") : job.startsWith("read");
                            int o = reads ? 2 : 6;
                            double kib = Double.parseDouble(m.group(o));
                            double bw = Double.parseDouble(m.group(o + 1));
                            double iops = Double.parseDouble(m.group(o + 2));
                            double ms = Double.parseDouble(m.group(o + 3));
                            results.put(job, new JobResult(job, iops, bw, Math.round(iops * ms / 1000.0), ticks));
                        }
                    }
                    if (!results.containsKey(job)) {
                        throw new IllegalStateException(kind + ": no result for " + job + ":\n" + guest.tail(15));
                    }
                }
                guest.awaitEnd(Duration.ofSeconds(120));
                LevelC.assertPassed(guest, "bench");
                String tool = GuestResult.data(guest.console(), "VTEST-BENCH-TOOL").stream()
                        .map(l -> String.join(" ", l)).findFirst().orElse("?");
                System.out.printf("level-C bench (%s): %s, guest ran %.1f s%n", kind, tool, guest.seconds());
            }
        }
        return results;
    }

    /** An ext4 image labelled vtools with the host's fio, its shared libraries and the dynamic loader. */
    private static Path toolsDisk(Path dir) throws Exception {
        Path img = dir.resolve("tools.img");
        if (Files.exists(img)) {
            return img;
        }
        LevelC.ensureTool("fio", "fio");
        Path fio = LinuxImage.onPath("fio").orElseThrow();
        LevelC.Run ldd = LevelC.run(List.of("ldd", fio.toString()));
        Assumptions.assumeTrue(ldd.status() == 0, "ldd fio failed: " + ldd.output());
        Path stage = dir.resolve("tools-stage");
        LevelC.run(List.of("rm", "-rf", stage.toString()));
        Files.createDirectories(stage.resolve("bin"));
        Files.createDirectories(stage.resolve("lib"));
        Files.createDirectories(stage.resolve("lib64"));
        Files.copy(fio.toRealPath(), stage.resolve("bin/fio"), StandardCopyOption.COPY_ATTRIBUTES);
        Matcher m = Pattern.compile("(?m)^\\s*(\\S+)\\s+=>\\s+(/\\S+)|^\\s*(/\\S*ld-linux\\S*)").matcher(ldd.output());
        List<String> copied = new ArrayList<>();
        while (m.find()) {
            if (m.group(2) != null) {
                Files.copy(Path.of(m.group(2)).toRealPath(), stage.resolve("lib").resolve(m.group(1)),
                        StandardCopyOption.REPLACE_EXISTING);
                copied.add(m.group(1));
            } else {
                Files.copy(Path.of(m.group(3)).toRealPath(), stage.resolve("lib64/ld-linux-x86-64.so.2"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
        assertTrue(Files.exists(stage.resolve("lib64/ld-linux-x86-64.so.2")), "no dynamic loader in: " + ldd.output());
        Path tmp = dir.resolve("tools.img.tmp");
        Files.deleteIfExists(tmp);
        LevelC.Run mkfs = LevelC.run(List.of("/usr/sbin/mkfs.ext4", "-q", "-F", "-L", "vtools", "-d", stage.toString(),
                tmp.toString(), "256M"));
        assertTrue(mkfs.status() == 0, "mkfs.ext4 -d for the tools disk: " + mkfs.output());
        Files.move(tmp, img);
        System.out.println("level-C bench: tools disk with fio and " + copied.size() + " libraries: " + img);
        return img;
    }

    static String table(Map<String, Map<String, JobResult>> all, Map<String, String> notes, int runtime, int depth) {
        StringBuilder s = new StringBuilder();
        s.append("Measured ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 16))
                .append(" UTC; QEMU 7.2 TCG guest (1 vCPU, Debian 6.1 kernel), fio ").append(runtime)
                .append(" s per job, iodepth ").append(depth).append(", O_DIRECT, libaio; 256 MiB raw image.\n\n");
        Map<String, JobResult> ours = all.get("virtio-vmm");
        Map<String, JobResult> qsd = all.get("qemu-storage-daemon");
        s.append("| job | ours IOPS | ours MiB/s | ours CPU µs/req | qsd IOPS | qsd MiB/s | qsd CPU µs/req | IOPS ours ÷ qsd |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String job : JOBS) {
            JobResult o = ours == null ? null : ours.get(job);
            JobResult q = qsd == null ? null : qsd.get(job);
            if (o == null && q == null) {
                continue;
            }
            s.append("| ").append(job).append(" | ").append(cells(o)).append(" | ").append(cells(q)).append(" | ")
                    .append(o != null && q != null && q.iops() > 0 ? String.format("%.2f", o.iops() / q.iops()) : "—")
                    .append(" |\n");
        }
        notes.forEach((k, v) -> s.append("\n").append(k).append(" not measured: ").append(v).append('\n'));
        return s.toString();
    }

    private static String cells(JobResult r) {
        if (r == null) {
            return "— | — | —";
        }
        return String.format("%.0f | %.1f | %.0f", r.iops(), r.kibPerSec() / 1024.0, r.cpuMicrosPerRequest());
    }
}
