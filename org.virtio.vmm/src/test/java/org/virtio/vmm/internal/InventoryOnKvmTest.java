package org.virtio.vmm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.MBeanServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.device.blk.BlkDeviceFactory;
import org.virtio.device.rng.RngConfig;
import org.virtio.device.rng.RngDeviceFactory;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.SwapInfo;
import org.virtio.vmm.api.VmException;
import org.virtio.vmm.api.VmInfo;
import org.virtio.vmm.api.VmManager;
import org.virtio.vmm.api.VmState;
import org.virtio.vmm.machine.Defaults;
import org.virtio.vmm.machine.TestGuests;

/**
 * Level B on the real /dev/kvm: VMs and devices given to the inventory as Config Admin would, device
 * factories coming and going as bundles would (removed = uninstalled or updated, added = installed),
 * with the C test guest's blkstress load counting lost, duplicated and corrupted requests.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InventoryOnKvmTest {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;
    private ScheduledExecutorService executor;
    private Inventory inventory;
    private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();

    @BeforeEach
    void setUp() {
        executor = Executors.newSingleThreadScheduledExecutor();
        inventory = new Inventory(Duration.ofSeconds(2), Duration.ofSeconds(30), executor, new VmMBeans(new InventoryManager()));
    }

    @AfterEach
    void tearDown() {
        inventory.shutdown();
        executor.shutdownNow();
    }

    /** A blk factory that refuses every configuration. */
    private static final class RejectingBlkFactory implements org.virtio.core.device.VirtioDeviceFactory {
        @Override
        public String typeName() {
            return "blk";
        }

        @Override
        public int deviceType() {
            return 2;
        }

        @Override
        public org.virtio.core.device.VirtioDevice create(Map<String, ?> properties) {
            throw new IllegalArgumentException("path: no such image in this test");
        }
    }

    /** Just enough of VmManager for the MBeans to read. */
    private final class InventoryManager extends UnsupportedManager {
        @Override
        public VmInfo info(String vm) throws VmException {
            return inventory.info(vm);
        }
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        assertTrue(inventory.await(condition, WAIT), what);
    }

    private DeviceInfo device(String vm, String name) {
        try {
            return inventory.device(vm, name);
        } catch (VmException e) {
            throw new AssertionError(e);
        }
    }

    private VmState state(String vm) {
        try {
            return inventory.info(vm).state();
        } catch (VmException e) {
            throw new AssertionError(e);
        }
    }

    private long notifications(String vm, String name) {
        return device(vm, name).queues().stream().mapToLong(q -> q.notifications()).sum();
    }

    private void awaitProgress(String vm, String name) throws InterruptedException {
        long before = notifications(vm, name);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (notifications(vm, name) <= before && System.nanoTime() < deadline && state(vm) == VmState.RUNNING) {
            Thread.sleep(10);
        }
        assertTrue(notifications(vm, name) > before, "no I/O progress on " + vm + "/" + name + ": " + state(vm));
    }

    @Test
    void factoriesComingAndGoingSwapOrDetachWhileTheGuestRunsBlkStress() throws Exception {
        Path kernel = TestGuests.build(dir);
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[4 << 20]);
        FactoryRef blkA = InventoryTest.ref(new BlkDeviceFactory(), 1);
        inventory.factoryAdded(blkA);
        inventory.vmConfigured("org.virtio.vm~stress", Map.of("kernel", kernel.toString(), "memory", "64",
                "cmdline", "console=ttyS0 vtg.mode=blkstress vtg.seconds=0", "hotplug.slots", "1"));
        inventory.deviceConfigured("org.virtio.device.blk~stress.disk", "org.virtio.device.blk",
                Map.of("vm", "stress", "name", "disk", "path", image.toString()));
        inventory.deviceConfigured("org.virtio.device.rng~stress.rng", "org.virtio.device.rng",
                Map.of("vm", "stress", "name", "rng"));
        assertEquals(DeviceInfo.Status.WAITING, device("stress", "rng").status());

        inventory.start("stress");
        TestGuests.Console serial = new TestGuests.Console();
        inventory.attachConsole("stress", serial);
        assertEquals(VmState.RUNNING, state("stress"));
        assertEquals("RUNNING", mbeans.getAttribute(VmMBeans.objectName("stress"), "State"));
        assertEquals(DeviceInfo.Status.ATTACHED, device("stress", "disk").status());
        awaitProgress("stress", "disk");

        // A device bundle installed while the VM runs: its device is hot-plugged into the spare window.
        FactoryRef rng = InventoryTest.ref(new RngDeviceFactory(Defaults.of(RngConfig.class)), 2);
        inventory.factoryAdded(rng);
        DeviceInfo plugged = device("stress", "rng");
        assertEquals(DeviceInfo.Status.ATTACHED, plugged.status());
        assertEquals(0xd000_1000L, plugged.windowBase());
        assertEquals(6, plugged.irq());

        // A swap onto a factory that rejects the configuration changes nothing: the old instance serves on.
        FactoryRef rejecting = InventoryTest.ref(new RejectingBlkFactory(), 3);
        inventory.factoryAdded(rejecting);
        VmException refused = org.junit.jupiter.api.Assertions.assertThrows(VmException.class,
                () -> inventory.swap("stress", "disk", RejectingBlkFactory.class.getName()));
        assertTrue(refused.getMessage().endsWith("path: no such image in this test"), refused.getMessage());
        assertEquals(DeviceInfo.Status.ATTACHED, device("stress", "disk").status());
        assertEquals(0, device("stress", "disk").swaps());
        awaitProgress("stress", "disk");
        inventory.factoryRemoved(rejecting);
        assertEquals(DeviceInfo.Status.ATTACHED, device("stress", "disk").status());

        // The blk bundle updated ten times: the old instance serves on (orphaned) until the new factory
        // arrives, then the new instance is swapped in under the load.
        FactoryRef current = blkA;
        for (int i = 0; i < 10; i++) {
            inventory.factoryRemoved(current);
            assertEquals(DeviceInfo.Status.ORPHANED, device("stress", "disk").status());
            awaitProgress("stress", "disk");
            current = InventoryTest.ref(new BlkDeviceFactory(), 10 + i);
            inventory.factoryAdded(current);
            assertEquals(DeviceInfo.Status.ATTACHED, device("stress", "disk").status());
            assertEquals(i + 1, device("stress", "disk").swaps());
            awaitProgress("stress", "disk");
        }
        // And swapped on request, with a pause and resume between.
        long worst = 0;
        for (int i = 0; i < 5; i++) {
            SwapInfo s = inventory.swap("stress", "disk", null);
            worst = Math.max(worst, s.pause().toNanos());
            awaitProgress("stress", "disk");
        }
        inventory.pause("stress");
        assertEquals(VmState.PAUSED, state("stress"));
        inventory.resume("stress");
        awaitProgress("stress", "disk");
        assertEquals(15, device("stress", "disk").swaps());
        System.out.printf("inventory: 15 swaps under blkstress, worst requested-swap pause %.3f ms%n", worst / 1e6);

        // The rng bundle uninstalled: after the grace period the device is detached, the window empty again.
        inventory.factoryRemoved(rng);
        assertEquals(DeviceInfo.Status.ORPHANED, device("stress", "rng").status());
        await(() -> device("stress", "rng").status() == DeviceInfo.Status.WAITING, "rng detached after the grace period");
        assertEquals(-1, device("stress", "rng").windowBase());

        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("VTG-STOP".getBytes(StandardCharsets.US_ASCII)), 0);
        }
        await(() -> state("stress") == VmState.RESET, "the guest resets after VTG-STOP:\n" + serial.text());
        VmInfo end = inventory.info("stress");
        assertTrue(end.exits().mmio() > 0 && end.exits().runs() == 2, end.exits().toString());
        assertEquals(DeviceInfo.Status.READY, device("stress", "disk").status(), "no machine: instance released");

        String out = serial.text();
        Matcher summary = Pattern.compile("VTG blkstress requests=(\\d+) .*lost=(\\d+) dup=(\\d+) corrupt=(\\d+) ioerr=(\\d+)")
                .matcher(out);
        assertTrue(summary.find(), out);
        System.out.println(summary.group());
        assertEquals("0", summary.group(2), "lost");
        assertEquals("0", summary.group(3), "duplicated");
        assertEquals("0", summary.group(4), "corrupted");
        assertEquals("0", summary.group(5), "I/O errors");
        assertTrue(out.contains("blkstress: ok"), out);

        inventory.vmRemoved("org.virtio.vm~stress");
        assertTrue(!mbeans.isRegistered(VmMBeans.objectName("stress")), "MBean unregistered with the VM");
    }

    @Test
    void aDeviceWhoseFactoryArrivesWhileTheGuestRunsIsFoundByItsRescan() throws Exception {
        Path kernel = TestGuests.build(dir);
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[1 << 20]);
        inventory.factoryAdded(InventoryTest.ref(new BlkDeviceFactory(), 1));
        Map<String, Object> vm = new HashMap<>(Map.of("kernel", kernel.toString(), "cmdline",
                "console=ttyS0 vtg.hostile=0 vtg.rescan=60", "hotplug.slots", 1));
        inventory.vmConfigured("org.virtio.vm~hot", vm);
        inventory.deviceConfigured("org.virtio.device.blk~hot.disk", "org.virtio.device.blk",
                Map.of("vm", "hot", "name", "disk", "path", image.toString()));
        inventory.deviceConfigured("org.virtio.device.rng~hot.rng", "org.virtio.device.rng", Map.of("vm", "hot", "name", "rng"));
        // A broken VM beside it changes nothing for it.
        inventory.vmConfigured("org.virtio.vm~broken", Map.of("kernel", kernel.toString(), "vcpus", "many"));

        inventory.start("hot");
        TestGuests.Console serial = new TestGuests.Console();
        inventory.attachConsole("hot", serial);
        assertTrue(serial.await("rescan: polling", WAIT), serial::text);
        inventory.factoryAdded(InventoryTest.ref(new RngDeviceFactory(Defaults.of(RngConfig.class)), 2));
        assertEquals(DeviceInfo.Status.ATTACHED, device("hot", "rng").status());
        await(() -> state("hot") != VmState.RUNNING, "the guest ends");
        assertEquals(VmState.RESET, state("hot"), inventory.info("hot").detail() + "\n" + serial.text());
        assertEquals(VmState.INVALID, state("broken"));

        String out = serial.text();
        assertTrue(out.contains("rescan: 0xd0001000 irq 6: device id 4 (rng) appeared"), out);
        Matcher done = Pattern.compile("virtio-test-guest: done (\\d+)/(\\d+)").matcher(out);
        assertTrue(done.find(), out);
        assertEquals(done.group(2), done.group(1), "every guest check passes:\n" + out);
    }
}
