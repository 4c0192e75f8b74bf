package org.virtio.karaf.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * The product path end to end: the built distribution runs as a real process on JDK 25 and is driven only
 * through {@code bin/client}. The demo VM from {@code etc/} runs; a VM defined by a file dropped into
 * {@code etc/} is started on {@code /dev/kvm}; a device feature is installed while it runs and its device is
 * hot-plugged; the blk device is swapped (device:swap and bundle:update) under the guest's continuous
 * write+verify load, which then reports no lost, duplicated or corrupted request; a malformed {@code .cfg}
 * is reported naming file and key while the other VMs keep running; commands are guarded by the ACLs
 * (viewer reads, admin changes); wrong arguments change nothing; the log has no ERROR from our bundles.
 * Steps that run a guest skip when {@code /dev/kvm} is absent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmShellIntegrationTest {
    private static final List<String> FEATURES = KarafDistributionTest.FEATURES;
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int SWAPS = 10;

    private KarafInstance karaf;
    private Path guest;
    private Path itestDisk;

    @BeforeAll
    void start() throws Exception {
        karaf = KarafInstance.unpack("vm");
        guest = karaf.home().resolve("guests/virtio-test-guest.elf");
        itestDisk = karaf.home().resolve("itest-disk.img");
        try (RandomAccessFile disk = new RandomAccessFile(itestDisk.toFile(), "rw")) {
            disk.setLength(8 << 20);
        }
        karaf.start(FEATURES);
    }

    private static boolean kvm() {
        Path dev = Path.of("/dev/kvm");
        return Files.isReadable(dev) && Files.isWritable(dev);
    }

    private static void assumeKvm() {
        Assumptions.assumeTrue(kvm(), "/dev/kvm is absent or not accessible: no guest can run here");
    }

    @Test
    @Order(1)
    void theDemoVmIsDefinedFromEtcAndRunsWithItsThreeDevices() throws Exception {
        String list = ok("vm:list");
        assertTrue(row(list, "demo").isPresent(), "demo VM not listed:\n" + list);
        assumeKvm();
        assertNotNull(awaitState("demo", "RUNNING"), "the demo VM (autostart) does not run");
        String devices = await("device:list demo", out -> List.of("disk", "console", "rng").stream()
                .allMatch(d -> status(out, d).equals("ATTACHED")));
        assertNotNull(devices, "demo devices not all attached:\n" + ok("device:list demo"));
    }

    @Test
    @Order(2)
    void aVmFromAConfigFileDroppedIntoEtcIsDefined() throws Exception {
        dropConfig("org.virtio.vm-itest.cfg", Map.of("kernel", guest.toString(),
                "cmdline", "console=ttyS0 vtg.mode=blkstress vtg.seconds=0", "memory", "64", "vcpus", "1"));
        dropConfig("org.virtio.device.blk-itest-disk.cfg", Map.of("vm", "itest", "name", "disk",
                "path", itestDisk.toString()));
        assertNotNull(awaitState("itest", "DEFINED"), "itest not DEFINED:\n" + ok("vm:list"));
        String info = ok("vm:info itest");
        assertTrue(info.contains("org.virtio.vm-itest.cfg"), "source file not shown:\n" + info);
    }

    @Test
    @Order(3)
    void itStartsOnKvmWithItsDisk() throws Exception {
        assumeKvm();
        String started = ok("vm:start itest");
        assertTrue(started.contains("itest: RUNNING"), started);
        assertNotNull(await("device:list itest", out -> status(out, "disk").equals("ATTACHED")),
                "itest disk not attached:\n" + ok("device:list itest"));
    }

    /** rng is a boot feature: uninstalling it detaches the rng devices; installing it again hot-plugs them. */
    @Test
    @Order(4)
    void aDeviceFeatureInstalledWhileTheVmRunsIsHotPlugged() throws Exception {
        assumeKvm();
        ok("feature:uninstall virtio-device-rng");
        dropConfig("org.virtio.device.rng-itest-rng.cfg", Map.of("vm", "itest", "name", "rng"));
        assertNotNull(await("device:list itest", out -> status(out, "rng").equals("WAITING")),
                "itest rng should wait for its factory:\n" + ok("device:list itest"));
        ok("feature:install virtio-device-rng");
        String attached = await("device:list itest", out -> status(out, "rng").equals("ATTACHED"));
        assertNotNull(attached, "rng not hot-plugged into the running itest VM:\n" + ok("device:list itest"));
        System.out.println("after feature:install virtio-device-rng:\n" + attached);
    }

    @Test
    @Order(5)
    void theBlkDeviceIsSwappedUnderTheGuestsWriteVerifyLoad() throws Exception {
        assumeKvm();
        long before = notifications(ok("device:stats itest disk"));
        List<Double> pauses = new ArrayList<>();
        Pattern held = Pattern.compile("queues held ([0-9.]+) ms");
        // One client call for all swaps (each bin/client start costs seconds): Gogo runs ';'-separated commands.
        // The last names the replacement's bundle by symbolic name, the others let the manager choose.
        List<String> swaps = new ArrayList<>(java.util.Collections.nCopies(SWAPS - 1, "device:swap itest disk"));
        swaps.add("device:swap itest disk org.virtio.device.blk");
        String swapped = ok(String.join("; ", swaps));
        Matcher m = held.matcher(swapped);
        while (m.find()) {
            pauses.add(Double.parseDouble(m.group(1)));
        }
        assertEquals(SWAPS, pauses.size(), swapped);
        ok("bundle:update org.virtio.device.blk");
        String stats = await("device:stats itest disk", out -> out.contains("ATTACHED") && swaps(out) >= SWAPS + 1);
        assertNotNull(stats, "disk not re-attached after bundle:update:\n" + ok("device:stats itest disk"));
        long after = notifications(stats);
        assertTrue(after > before, "the guest kept notifying the disk: " + before + " -> " + after);
        System.out.printf("device:swap x%d: queues held max %.3f ms, mean %.3f ms; then bundle:update; swaps=%d,"
                + " notifications %d -> %d%n", SWAPS, pauses.stream().mapToDouble(d -> d).max().orElse(0),
                pauses.stream().mapToDouble(d -> d).average().orElse(0), swaps(stats), before, after);

        // Ask the guest to finish (VTG-STOP in its control sector) while attached to its serial console.
        String console = karaf.interactive("vm:console itest", "Attached to itest", this::stopGuestLoad,
                List.of("blkstress: ", "Detached from itest"), "\u001d");
        System.out.println("vm:console itest:\n" + linesWith(console, "Attached", "VTG blkstress", "blkstress: ok", "Detached"));
        Matcher result = Pattern.compile("VTG blkstress requests=(\\d+) .*lost=(\\d+) dup=(\\d+) corrupt=(\\d+) ioerr=(\\d+)")
                .matcher(console);
        assertTrue(result.find(), "no blkstress result on the console:\n" + console);
        assertTrue(Long.parseLong(result.group(1)) > 0, result.group());
        assertEquals(List.of("0", "0", "0", "0"), List.of(result.group(2), result.group(3), result.group(4), result.group(5)),
                "lost, dup, corrupt, ioerr: " + result.group());
        assertTrue(console.contains("blkstress: ok"), console);
    }

    @Test
    @Order(6)
    void aMalformedConfigIsReportedByFileAndKeyWhileTheOtherVmKeepsRunning() throws Exception {
        long notifiedBefore = kvm() ? notifications(ok("device:stats demo disk")) : 0;
        dropConfig("org.virtio.vm-broken.cfg", Map.of("kernel", guest.toString(), "memory", "lots"));
        String list = awaitState("broken", "INVALID");
        assertNotNull(list, "broken not INVALID:\n" + ok("vm:list"));
        String info = ok("vm:info broken");
        System.out.println(info);
        assertTrue(info.lines().anyMatch(l -> l.contains("Error") && l.contains("org.virtio.vm-broken.cfg")
                && l.contains("memory")), "the error must name the file and the key:\n" + info);
        if (kvm()) {
            assertTrue(cell(ok("vm:list"), "demo", 1).equals("RUNNING"), ok("vm:list"));
            assertNotNull(await("device:stats demo disk", out -> notifications(out) > notifiedBefore),
                    "the demo guest's disk I/O stopped");
        }
    }

    @Test
    @Order(7)
    void viewersReadAndOnlyAdminsChange() throws Exception {
        KarafInstance.Result list = karaf.client("viewer", "vm:list");
        assertEquals(0, list.exit(), list.output());
        assertTrue(row(list.output(), "demo").isPresent(), list.output());
        assertEquals(0, karaf.client("viewer", "device:list demo").exit());
        String stateBefore = cell(ok("vm:list"), "demo", 1);
        for (String change : List.of("vm:stop demo", "vm:pause demo", "device:remove demo rng",
                "vm:create --kernel " + guest + " x", "device:swap demo disk")) {
            KarafInstance.Result denied = karaf.client("viewer", change);
            assertNotEquals(0, denied.exit(), change + " as viewer: " + denied.output());
            System.out.println("viewer> " + change + "\n" + denied.output().strip());
        }
        assertEquals(stateBefore, cell(ok("vm:list"), "demo", 1));
        assertTrue(row(ok("device:list demo"), 1, "rng").isPresent());
    }

    @Test
    @Order(8)
    void vmCreateWritesAConfigurationAndWrongArgumentsChangeNothing() throws Exception {
        String created = ok("vm:create --kernel " + guest + " --memory 32 --cmdline console=ttyS0 made");
        assertTrue(created.contains("made: DEFINED"), created);
        assertEquals("DEFINED", cell(ok("vm:list"), "made", 1));
        String listBefore = ok("vm:list");
        String devicesBefore = ok("device:list");
        for (String wrong : List.of("vm:create --kernel " + guest + " bad/name", "vm:create --kernel /nonexistent other",
                "vm:create --kernel " + guest + " --memory lots other", "device:add made blk d1 path",
                "device:add made blk d1 vm=other")) {
            KarafInstance.Result result = karaf.client("karaf", wrong);
            System.out.println("karaf> " + wrong + "\n" + result.output().strip());
            assertNotEquals(0, result.exit(), wrong);
            assertTrue(result.output().contains("usage: "), wrong + ":\n" + result.output());
        }
        assertEquals(listBefore, ok("vm:list"));
        assertEquals(devicesBefore, ok("device:list"));
    }

    @Test
    @Order(9)
    void theDemoConsoleShowsTheGuestAndCtrlBracketDetaches() throws Exception {
        assumeKvm();
        String console = karaf.interactive("vm:console demo", List.of("blkstress: t="), "\u001d");
        System.out.println("vm:console demo:\n" + linesWith(console, "Attached", "blkstress: t=", "Detached"));
        assertTrue(console.contains("blkstress: t="), console);
        assertTrue(console.contains("Detached from demo (Ctrl-])"), console);
    }

    @Test
    @Order(10)
    void theDemoVmStops() throws Exception {
        assumeKvm();
        assertTrue(ok("vm:stop demo").contains("demo: DEFINED"));
        assertEquals("DEFINED", cell(ok("vm:list"), "demo", 1));
    }

    @Test
    @Order(11)
    void karafStopsAndTheLogHasNoErrorFromOurBundles() throws Exception {
        assertEquals(0, karaf.stop(), "Karaf exit code");
        // Our bundles log through System.Logger, which pax-logging files under its own bundle with the class's
        // simple name: count every ERROR line (as KarafDistributionTest does), which includes ours.
        List<String> errors = karaf.logLines(l -> l.contains("| ERROR |"));
        System.out.println("karaf.log ERROR lines: " + errors.size());
        assertEquals(List.of(), errors, "ERROR lines in data/log/karaf.log");
    }

    @AfterAll
    void stopKaraf() throws Exception {
        if (karaf != null) {
            karaf.close();
        }
    }

    private void stopGuestLoad() {
        try (RandomAccessFile disk = new RandomAccessFile(itestDisk.toFile(), "rw")) {
            disk.seek(0);
            disk.write("VTG-STOP".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code etc/<file>} the way an operator would: a temporary name first, then a rename. */
    private void dropConfig(String file, Map<String, String> keys) throws IOException {
        StringBuilder text = new StringBuilder("# written by VmShellIntegrationTest\n");
        keys.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
        Path tmp = karaf.home().resolve(file + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, karaf.home().resolve("etc").resolve(file), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private String ok(String command) throws Exception {
        KarafInstance.Result result = karaf.client("karaf", command);
        System.out.println("karaf> " + command + "\n" + result.output().stripTrailing());
        assertEquals(0, result.exit(), command + " failed:\n" + result.output());
        return result.output();
    }

    private String await(String command, java.util.function.Predicate<String> done) throws Exception {
        return karaf.awaitOutput(command, WAIT, done);
    }

    private String awaitState(String vm, String state) throws Exception {
        return await("vm:list", out -> cell(out, vm, 1).equals(state));
    }

    /** The table row whose cell {@code column} is {@code value}, split into trimmed cells. */
    private static Optional<List<String>> row(String table, int column, String value) {
        return table.lines().map(l -> Stream.of(l.split("[|│]", -1)).map(String::strip).toList())
                .filter(cells -> cells.size() > column + 1 && cells.get(column).equals(value)).findFirst();
    }

    private static Optional<List<String>> row(String vmList, String vm) {
        return row(vmList, 0, vm);
    }

    /** Cell {@code index} of the vm:list row of {@code vm}: 1 = state. */
    private static String cell(String vmList, String vm, int index) {
        return row(vmList, 0, vm).map(r -> r.get(index)).orElse("");
    }

    /** The status column of a device:list row (columns VM, Name, Type, Status, ...). */
    private static String status(String deviceList, String device) {
        return row(deviceList, 1, device).map(r -> r.get(3)).orElse("");
    }

    private static long notifications(String stats) {
        return stats.lines().map(l -> l.split("[|│]")).filter(c -> c.length == 5 && c[0].strip().matches("\\d+"))
                .mapToLong(c -> Long.parseLong(c[3].strip())).sum();
    }

    private static long swaps(String stats) {
        Matcher m = Pattern.compile("swaps: (\\d+)").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The lines of {@code text} containing one of {@code marks}, at most 3 per mark. */
    private static String linesWith(String text, String... marks) {
        List<String> shown = new ArrayList<>();
        for (String mark : marks) {
            text.lines().map(l -> l.replace("\r", "")).filter(l -> l.contains(mark)).limit(3).forEach(shown::add);
        }
        return String.join("\n", shown);
    }
}
