package org.virtio.vmm.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.device.VirtioDevice;

/**
 * Level B, on the real /dev/kvm: live swap of the blk implementation under load (issue 5, part 4). The C
 * test guest runs {@code vtg.mode=blkstress} — continuous 4 KiB write + read-back verify with 8 chains in
 * flight, each block's pattern encoding (sector, write sequence number), so a lost, replayed, misdirected
 * or torn write shows on the read-back, with a FLUSH every 32 writes — while the test swaps the device implementation
 * {@value #SWAPS} times through {@link Machine#swapDevice}. Each replacement is a fresh {@code BlkDevice}
 * from a new class loader over the org.virtio.device.blk code with the core shared (what a bundle update
 * does), on the same image. Before each swap the serving instance must have completed at least
 * {@value #REQUESTS_PER_INSTANCE} requests, so requests complete before and after every swap (the first
 * instance {@value #WARM_UP_REQUESTS}, so the JVM's warm-up at boot does not show in the swap figures).
 *
 * <p>The guest ends when the test writes {@code VTG-STOP} into sector 0 (its control block): it drains,
 * reads every block once more, prints {@code VTG blkstress requests=… lost=… dup=… corrupt=…} and resets.
 * Checked: nothing lost, duplicated or corrupted as the guest sees it, and exactly-once as the devices
 * see it — the requests the instances served add up to the completions the guest counted.
 *
 * <p>Printed, not asserted (measurements): per swap, the time the queue was held (from the host quiescing
 * the old implementation, which it does once it holds the device lock, until the swap returned: the
 * guest's notifications wait meanwhile), split into the state hand-over and the replacement's first
 * wake-up (it serves what was queued during the swap); the {@link SwapResult#pause()} the machine
 * measures (the whole call); and the wait before the hold, while the old implementation finishes the
 * batch it is serving (the guest is still served then). Worst, median and best of each. And as the guest
 * saw it: its longest stall with requests outstanding over the slices that cover the swaps.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LiveSwapUnderLoadTest {
    static final int SWAPS = 25;
    static final long REQUESTS_PER_INSTANCE = 200;
    /** The first instance serves this many before the first swap, so the JVM's warm-up is over. */
    static final long WARM_UP_REQUESTS = 2000;
    private static final long IMAGE_BYTES = 2L << 20;
    private static final Duration PROGRESS_WAIT = Duration.ofSeconds(90);
    private static final Pattern SUMMARY = Pattern.compile("VTG blkstress (.*)");
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\d+)");
    private static final Pattern PROGRESS = Pattern.compile("blkstress: t=\\d+ms inflight \\d+ slicegap_us=(\\d+) ");

    @TempDir
    Path dir;

    /** One implementation instance (a BlkDevice of its own class), as the machine sees it (timed), and what it served. */
    private record Instance(int version, VirtioDevice device, LiveSwapTimedDevice timed, LiveSwapBlkBundle bundle) {
        long served() throws ReflectiveOperationException {
            return counter("reads") + counter("writes") + counter("flushes");
        }

        long errors() throws ReflectiveOperationException {
            return counter("errors");
        }

        /** BlkMetrics of this version's own class, hence reflection. */
        private long counter(String name) throws ReflectiveOperationException {
            Object metrics = device.getClass().getMethod("metrics").invoke(device);
            return (long) metrics.getClass().getMethod(name).invoke(metrics);
        }
    }

    @Test
    void swappingTheBlkImplementationUnderLoadLosesDuplicatesAndCorruptsNothing() throws Exception {
        Path kernel = LiveSwapGuest.build(dir);
        Path image = dir.resolve("disk.img");
        try (FileChannel c = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            c.truncate(0);
            c.write(ByteBuffer.allocate(1), IMAGE_BYTES - 1);
        }
        var code = LiveSwapBlkBundle.blkCode();
        ClassLoader shared = getClass().getClassLoader();
        List<Instance> instances = new ArrayList<>();
        List<Duration> pauses = new ArrayList<>();       // the machine's figure: the whole swap call
        List<Duration> held = new ArrayList<>();         // queue held: old implementation quiesced -> swap returned
        List<Duration> waited = new ArrayList<>();       // swap called -> old implementation quiesced
        List<Duration> handOver = new ArrayList<>();     // old quiesced -> replacement activated (state moved)
        List<Duration> firstServe = new ArrayList<>();   // replacement activated -> its first wake-up served
        List<Duration> tail = new ArrayList<>();         // first wake-up served -> swap returned (host's log line, return)
        LiveSwapConsole console = new LiveSwapConsole();
        int swapsFrom = 0;
        int swapsTo = 0;
        try {
            instances.add(newInstance(0, code, shared, image));
            MachineExit exit;
            try (Machine m = Machine.builder("liveswap").kernel(kernel).memoryMib(64).console(console)
                    .commandLine("console=ttyS0 vtg.mode=blkstress vtg.seconds=0 vtg.timeout_ms=30000")
                    .device("blk0", instances.get(0).timed()).build()) {
                m.start();
                awaitServed(m, instances.get(0), WARM_UP_REQUESTS, console);
                swapsFrom = console.text().length();
                for (int v = 1; v <= SWAPS; v++) {
                    Instance old = instances.get(instances.size() - 1);
                    Instance next = newInstance(v, code, shared, image);
                    instances.add(next);
                    assertNotSame(old.device().getClass(), next.device().getClass(),
                            "each version defines its own BlkDevice class");
                    long called = System.nanoTime();
                    SwapResult r = m.swapDevice("blk0", next.timed());
                    long returned = System.nanoTime();
                    assertSame(old.timed(), r.replaced(), "the swap hands back the instance that served until then");
                    long quiesced = old.timed().quiescedAt();
                    assertTrue(quiesced >= called && quiesced <= returned, "the old implementation was quiesced during the swap");
                    pauses.add(r.pause());
                    held.add(Duration.ofNanos(returned - quiesced));
                    waited.add(Duration.ofNanos(quiesced - called));
                    long activated = next.timed().activatedAt();
                    long served = next.timed().firstServedAt();
                    assertTrue(activated >= quiesced && served >= activated && served <= returned,
                            "the replacement was activated and woken inside the swap");
                    handOver.add(Duration.ofNanos(activated - quiesced));
                    firstServe.add(Duration.ofNanos(served - activated));
                    tail.add(Duration.ofNanos(returned - served));
                    awaitServed(m, next, REQUESTS_PER_INSTANCE, console);
                }
                swapsTo = console.text().length();
                try (FileChannel c = FileChannel.open(image, StandardOpenOption.WRITE)) {
                    c.write(ByteBuffer.wrap("VTG-STOP".getBytes(StandardCharsets.US_ASCII)), 0);
                }
                exit = m.awaitExit(PROGRESS_WAIT);
            }
            String serial = console.text();
            System.out.println(serial);
            assertNotNull(exit, "the guest did not end within " + PROGRESS_WAIT + " of VTG-STOP:\n" + console.tail(3000));
            assertEquals(MachineExit.Kind.RESET, exit.kind(), exit.message() + "\n" + console.tail(3000));
            Matcher summary = console.last(SUMMARY);
            assertNotNull(summary, "no VTG blkstress line:\n" + console.tail(3000));
            Map<String, Long> f = fields(summary.group(1));

            long served = 0;
            StringBuilder perInstance = new StringBuilder();
            for (Instance i : instances) {
                long s = i.served();
                served += s;
                perInstance.append(' ').append(s);
                assertTrue(s >= REQUESTS_PER_INSTANCE, "version " + i.version() + " served only " + s + " requests");
                assertEquals(0, i.errors(), "version " + i.version() + " failed requests");
            }
            System.out.printf("live swap under load: %d swaps, guest requests=%d (writes=%d verified=%d final=%d ctl=%d flush=%d) "
                    + "lost=%d dup=%d corrupt=%d ioerr=%d badlen=%d; as the guest saw it (TSC estimate): slowest request %d us, "
                    + "longest stall with requests outstanding %d us (whole run), %d us (progress slices from the first "
                    + "swap to the last)%n"
                    + "  queue held per swap (old quiesced -> swap returned): %s%n"
                    + "  Machine.swapDevice pause (whole call):               %s%n"
                    + "    of which old quiesced -> replacement activated:   %s%n"
                    + "    of which replacement's first wake-up (queued I/O): %s%n"
                    + "    of which the rest (host logs the swap, returns):  %s%n"
                    + "  waiting for the old batch before the hold:           %s%n"
                    + "  requests served per instance:%s%n",
                    pauses.size(), f.get("requests"), f.get("writes"), f.get("verified"), f.get("final"), f.get("ctl"),
                    f.get("flush"), f.get("lost"), f.get("dup"), f.get("corrupt"), f.get("ioerr"), f.get("badlen"), f.get("maxlat_us"), f.get("maxgap_us"),
                    stallWhileSwapping(serial, swapsFrom, swapsTo),
                    stats(held), stats(pauses), stats(handOver), stats(firstServe), stats(tail), stats(waited), perInstance);
            System.out.println("  queue held per swap, ms in order: " + held.stream().map(d -> String.format("%.3f", ms(d))).toList());
            System.out.println("  swap call per swap, ms in order:  " + pauses.stream().map(d -> String.format("%.3f", ms(d))).toList());

            assertEquals(0L, f.get("lost"), "lost requests:\n" + console.tail(3000));
            assertEquals(0L, f.get("dup"), "duplicated completions:\n" + console.tail(3000));
            assertEquals(0L, f.get("corrupt"), "corrupted reads:\n" + console.tail(3000));
            assertEquals(0L, f.get("ioerr"), "requests failed:\n" + console.tail(3000));
            assertEquals(0L, f.get("badlen"), "wrong used lengths:\n" + console.tail(3000));
            assertTrue(serial.contains("virtio-test-guest: done 1/1"), console.tail(3000));
            assertTrue(f.get("requests") >= WARM_UP_REQUESTS + SWAPS * REQUESTS_PER_INSTANCE, "requests=" + f.get("requests"));
            assertTrue(f.get("final") > 0, "the guest re-read the blocks it wrote at the end");
            assertEquals(f.get("requests"), served,
                    "every completion the guest counted was served exactly once by one of the instances");
            assertEquals(SWAPS, pauses.size());
        } finally {
            for (Instance i : instances) {
                if (i.device() instanceof AutoCloseable c) {
                    c.close();
                }
                i.bundle().close();
            }
        }
    }

    /**
     * @return the longest slicegap_us of the guest's progress lines printed from {@code from} (the first
     *         swap) up to and including the first one printed after {@code to} (the last swap), i.e. over
     *         slices covering every swap
     */
    private static long stallWhileSwapping(String serial, int from, int to) {
        long worst = 0;
        Matcher m = PROGRESS.matcher(serial);
        while (m.find()) {
            if (m.start() < from) {
                continue;
            }
            worst = Math.max(worst, Long.parseLong(m.group(1)));
            if (m.start() >= to) {
                break;
            }
        }
        return worst;
    }

    private static Instance newInstance(int version, java.net.URL code, ClassLoader shared, Path image) throws Exception {
        LiveSwapBlkBundle bundle = new LiveSwapBlkBundle(code, shared, version);
        VirtioDevice device = bundle.newDevice(image, "liveswap-v" + version);
        assertSame(bundle.loader(), device.getClass().getClassLoader(), "the device comes from its version's loader");
        return new Instance(version, device, new LiveSwapTimedDevice(device), bundle);
    }

    /** Waits until the instance has served its quota, failing early when the guest ends. */
    private static void awaitServed(Machine m, Instance i, long quota, LiveSwapConsole console) throws Exception {
        long deadline = System.nanoTime() + PROGRESS_WAIT.toNanos();
        while (i.served() < quota) {
            if (m.exit() != null) {
                fail("the guest ended while version " + i.version() + " served (" + m.exit() + "):\n" + console.tail(3000));
            }
            if (System.nanoTime() > deadline) {
                fail("version " + i.version() + " served only " + i.served() + " requests in " + PROGRESS_WAIT + ":\n"
                        + console.tail(3000));
            }
            Thread.sleep(2);
        }
    }

    private static Map<String, Long> fields(String line) {
        Map<String, Long> out = new HashMap<>();
        Matcher m = FIELD.matcher(line);
        while (m.find()) {
            out.put(m.group(1), Long.parseLong(m.group(2)));
        }
        for (String k : new String[] {"requests", "writes", "verified", "final", "ctl", "flush", "lost", "dup", "corrupt", "ioerr",
                "badlen", "maxlat_us", "maxgap_us"}) {
            assertTrue(out.containsKey(k), "no " + k + "= in: " + line);
        }
        return out;
    }

    /** @return "worst / median / best" in ms */
    private static String stats(List<Duration> values) {
        List<Duration> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return String.format("worst %.3f ms, median %.3f ms, best %.3f ms", ms(sorted.get(sorted.size() - 1)),
                ms(sorted.get(sorted.size() / 2)), ms(sorted.get(0)));
    }

    private static double ms(Duration d) {
        return d.toNanos() / 1e6;
    }
}
