package org.virtio.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.VmException;
import org.virtio.vmm.api.VmInfo;
import org.virtio.vmm.api.VmManager;
import org.virtio.vmm.api.VmState;

/**
 * The VM manager inside Felix with SCR and Felix Config Admin, on the real /dev/kvm: a VM and its blk
 * device defined as factory configurations (as FileInstall makes them from {@code etc/}) boot the C test
 * guest in its blkstress mode; a device whose factory is absent waits and is hot-plugged when a factory
 * service is registered, swapped when the factory is replaced; a malformed VM configuration is rejected
 * naming its file and key while the good VM keeps running; the VM's MBean and the manager's create/remove
 * work; at the end the guest reports no lost, duplicated or corrupted request.
 */
class VmManagerTest {
    /** Issue 5 asks for at least 20 swaps of the blk bundle under the guest's I/O. */
    private static final int BUNDLE_UPDATES = 20;

    private static final long WAIT_MS = 60_000;
    private static final String GOOD = "itest-good";
    private static final String BAD = "itest-bad";

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ConfigurationAdmin cm;

    @InjectService(timeout = 10_000)
    VmManager manager;

    private ServiceRegistration<VirtioDeviceFactory> factory;
    private Path dir;

    @AfterEach
    void cleanUp() throws Exception {
        if (factory != null) {
            factory.unregister();
        }
        Configuration[] settings = cm.listConfigurations("(service.pid=org.virtio.vmm)");
        if (settings != null) {
            settings[0].delete();
        }
        Configuration[] mine = cm.listConfigurations("(service.pid=*itest-*)");
        if (mine != null) {
            for (Configuration c : mine) {
                c.delete();
            }
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A factory of type itest-rng, as a device bundle would register it. */
    private ServiceRegistration<VirtioDeviceFactory> registerFactory() {
        Dictionary<String, Object> props = new Hashtable<>(Map.of(VirtioDeviceFactory.TYPE_PROPERTY, "itest-rng"));
        return context.registerService(VirtioDeviceFactory.class, new VirtioDeviceFactory() {
            @Override
            public String typeName() {
                return "itest-rng";
            }

            @Override
            public int deviceType() {
                return DeviceType.ENTROPY;
            }

            @Override
            public VirtioDevice create(Map<String, ?> properties) {
                return new NullEntropyDevice();
            }
        }, props);
    }

    private static Path buildGuest(Path dir) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/kvm")), "/dev/kvm does not exist: the VM manager test is skipped");
        Path sources = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null && sources == null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("guests/virtio-test-guest"))) {
                sources = p.resolve("guests/virtio-test-guest");
            }
        }
        Assumptions.assumeTrue(sources != null, "guests/virtio-test-guest not found above " + Path.of("").toAbsolutePath());
        Process make = new ProcessBuilder("make", "-s", "-C", sources.toString(), "BUILD_DIR=" + dir.resolve("guest"))
                .redirectErrorStream(true).start();
        make.getOutputStream().close();
        String log = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(make.waitFor(120, TimeUnit.SECONDS), "make did not finish");
        assertEquals(0, make.exitValue(), "building the test guest failed:\n" + log);
        return dir.resolve("guest").resolve("virtio-test-guest.elf");
    }

    private void update(String factoryPid, String name, Map<String, Object> props) throws IOException {
        cm.getFactoryConfiguration(factoryPid, name, "?").update(new Hashtable<>(props));
    }

    private static void await(Supplier<Boolean> condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return;
            }
            Thread.sleep(20);
        }
        fail(what.get());
    }

    private VmInfo info(String vm) {
        try {
            return manager.info(vm);
        } catch (VmException e) {
            return null;
        }
    }

    private DeviceInfo device(String vm, String name) {
        try {
            return manager.device(vm, name);
        } catch (VmException e) {
            return null;
        }
    }

    private long notifications(String vm, String name) {
        DeviceInfo d = device(vm, name);
        return d == null ? -1 : d.queues().stream().mapToLong(q -> q.notifications()).sum();
    }

    private void awaitProgress(String vm, String name) throws InterruptedException {
        long before = notifications(vm, name);
        await(() -> notifications(vm, name) > before, () -> vm + "/" + name + " made no progress: " + info(vm));
    }

    @Test
    void vmsAndDevicesFromConfigAdminRunHotPlugSwapAndRejectBadFiles() throws Exception {
        dir = Files.createTempDirectory("itest-vmm");
        Path kernel = buildGuest(dir);
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[4 << 20]);

        update("org.virtio.device.blk", GOOD + ".disk", Map.of("vm", GOOD, "name", "disk", "path", image.toString()));
        update("org.virtio.vm", GOOD, Map.of("kernel", kernel.toString(), "memory", 64, "autostart", "true",
                "hotplug.slots", "1", "cmdline", "console=ttyS0 vtg.mode=blkstress vtg.seconds=0"));
        await(() -> info(GOOD) != null && info(GOOD).state() == VmState.RUNNING, () -> "VM not running: " + info(GOOD));
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        AutoCloseable console = manager.attachConsole(GOOD, serial);
        await(() -> device(GOOD, "disk") != null && device(GOOD, "disk").status() == DeviceInfo.Status.ATTACHED,
                () -> "disk not attached: " + device(GOOD, "disk"));
        awaitProgress(GOOD, "disk");
        // A device added to the running VM whose type has no factory yet: it waits.
        update("org.virtio.device.itest-rng", GOOD + ".extra", Map.of("vm", GOOD, "name", "extra"));
        await(() -> device(GOOD, "extra") != null, () -> "the extra device did not appear");
        DeviceInfo extra = device(GOOD, "extra");
        assertEquals(DeviceInfo.Status.WAITING, extra.status(), extra.toString());

        // A factory for the waiting device appears: it is hot-plugged into the spare window.
        factory = registerFactory();
        await(() -> device(GOOD, "extra").status() == DeviceInfo.Status.ATTACHED, () -> "not hot-plugged: " + device(GOOD, "extra"));
        assertEquals(0xd000_1000L, device(GOOD, "extra").windowBase());
        assertTrue(device(GOOD, "extra").implementation().startsWith("org.virtio.itest/"), device(GOOD, "extra").implementation());

        // The factory is replaced (as by a bundle update): the device is orphaned, then swapped onto the new one.
        factory.unregister();
        factory = null;
        assertEquals(DeviceInfo.Status.ORPHANED, device(GOOD, "extra").status());
        factory = registerFactory();
        await(() -> device(GOOD, "extra").status() == DeviceInfo.Status.ATTACHED, () -> "not swapped: " + device(GOOD, "extra"));
        assertEquals(1, device(GOOD, "extra").swaps());

        // A shorter grace period, set while the VM runs (the manager takes it without restarting), then the
        // factory goes for good (as feature:uninstall): after the grace period the device is detached.
        cm.getConfiguration("org.virtio.vmm", "?").update(new Hashtable<>(Map.of("swap.grace.ms", 500L)));
        Thread.sleep(2000); // Config Admin and SCR deliver the change asynchronously
        assertEquals(VmState.RUNNING, info(GOOD).state());
        awaitProgress(GOOD, "disk");
        factory.unregister();
        factory = null;
        assertEquals(DeviceInfo.Status.ORPHANED, device(GOOD, "extra").status());
        assertTrue(device(GOOD, "extra").error().endsWith("or 500 ms pass"), device(GOOD, "extra").error());
        await(() -> device(GOOD, "extra").status() == DeviceInfo.Status.WAITING, () -> "not detached: " + device(GOOD, "extra"));
        assertEquals(-1, device(GOOD, "extra").windowBase());
        assertEquals(VmState.RUNNING, info(GOOD).state());

        // The blk implementation swapped on request, under the load.
        for (int i = 0; i < 3; i++) {
            manager.swapDevice(GOOD, "disk", "org.virtio.device.blk");
            awaitProgress(GOOD, "disk");
        }

        // The blk bundle updated 20 times under the load (bundle:update): each time its factory goes and comes
        // back, and the manager swaps the disk onto an instance of the new revision.
        org.osgi.framework.Bundle blk = java.util.Arrays.stream(context.getBundles())
                .filter(b -> "org.virtio.device.blk".equals(b.getSymbolicName())).findFirst().orElseThrow();
        long swapsBefore = device(GOOD, "disk").swaps();
        for (int i = 1; i <= BUNDLE_UPDATES; i++) {
            long expected = swapsBefore + i;
            blk.update();
            await(() -> device(GOOD, "disk").swaps() == expected && device(GOOD, "disk").status() == DeviceInfo.Status.ATTACHED,
                    () -> "disk not swapped after bundle update: " + device(GOOD, "disk"));
            awaitProgress(GOOD, "disk");
        }

        // A malformed file: rejected naming the file and the key; the good VM runs on.
        String badFile = dir.resolve("etc").resolve("org.virtio.vm-" + BAD + ".cfg").toUri().toString();
        update("org.virtio.vm", BAD, Map.of("kernel", kernel.toString(), "memory", "lots", "autostart", "true",
                "felix.fileinstall.filename", badFile));
        await(() -> info(BAD) != null, () -> "the bad VM is not listed");
        VmInfo bad = info(BAD);
        assertEquals(VmState.INVALID, bad.state());
        assertEquals(java.util.List.of(Path.of(java.net.URI.create(badFile)) + ": memory: must be an integer, got \"lots\""),
                bad.errors());
        assertEquals(VmState.RUNNING, info(GOOD).state());
        awaitProgress(GOOD, "disk");

        // JMX.
        ObjectName name = new ObjectName("org.virtio:type=VM,name=" + GOOD);
        assertEquals("RUNNING", ManagementFactory.getPlatformMBeanServer().getAttribute(name, "State"));
        assertTrue((Long) ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Notifications") > 0);

        // The manager's own create and remove go through Config Admin.
        VmInfo created = manager.create("itest-api", Map.of("kernel", kernel.toString(), "memory", 16));
        assertEquals(VmState.DEFINED, created.state());
        assertEquals(16, created.memoryMib());
        assertEquals(1, cm.listConfigurations("(service.pid=org.virtio.vm~itest-api)").length);
        manager.remove("itest-api");
        assertTrue(manager.list().stream().noneMatch(v -> v.name().equals("itest-api")));

        // End the load; the guest's own count must be clean.
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("VTG-STOP".getBytes(StandardCharsets.US_ASCII)), 0);
        }
        await(() -> info(GOOD).state() == VmState.RESET, () -> "the guest did not reset: " + info(GOOD) + "\n" + serial);
        console.close();
        String out = serial.toString(StandardCharsets.US_ASCII);
        Matcher summary = Pattern.compile("lost=(\\d+) dup=(\\d+) corrupt=(\\d+) ioerr=(\\d+)").matcher(out);
        assertTrue(summary.find(), out);
        assertEquals("lost=0 dup=0 corrupt=0 ioerr=0", summary.group(), out);
        assertNotNull(info(GOOD));
    }

    @Test
    void configurationsOfUnknownVmsAndBadDevicesAreReported() throws IOException, InterruptedException, InvalidSyntaxException {
        update("org.virtio.device.blk", "itest-orphan", Map.of("path", "/nonexistent"));
        await(() -> manager.configErrors().stream().anyMatch(e -> e.contains("vm: is required")),
                () -> "no error for a device without vm: " + manager.configErrors());
    }
}
