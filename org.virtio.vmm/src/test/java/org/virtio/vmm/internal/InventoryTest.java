package org.virtio.vmm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.VmException;
import org.virtio.vmm.api.VmInfo;
import org.virtio.vmm.api.VmState;

/** The inventory without a running machine: configurations, factories coming and going, errors kept per VM. */
class InventoryTest {
    @TempDir
    Path dir;
    private ScheduledExecutorService executor;
    private Inventory inventory;
    private final List<String> observed = new ArrayList<>();
    private Path kernel;

    @BeforeEach
    void setUp() throws Exception {
        executor = Executors.newSingleThreadScheduledExecutor();
        inventory = new Inventory(Duration.ofMillis(50), Duration.ofSeconds(30), executor, new Inventory.VmObserver() {
            @Override
            public void added(String vm) {
                observed.add("+" + vm);
            }

            @Override
            public void removed(String vm) {
                observed.add("-" + vm);
            }
        });
        kernel = Files.write(dir.resolve("not-a-kernel"), new byte[64]);
    }

    @AfterEach
    void tearDown() {
        inventory.shutdown();
        executor.shutdownNow();
    }

    /** A factory whose devices are never used here: creating one records the properties it got. */
    static final class RecordingFactory implements VirtioDeviceFactory {
        final String type;
        final List<Map<String, ?>> created = new ArrayList<>();

        RecordingFactory(String type) {
            this.type = type;
        }

        @Override
        public String typeName() {
            return type;
        }

        @Override
        public int deviceType() {
            return 4;
        }

        @Override
        public VirtioDevice create(Map<String, ?> properties) {
            created.add(properties);
            throw new IllegalArgumentException("source: not available in this test");
        }
    }

    static FactoryRef ref(VirtioDeviceFactory f, long id) {
        return FactoryRef.of(f, Map.of(VirtioDeviceFactory.TYPE_PROPERTY, f.typeName(), "service.id", id), null);
    }

    private void vm(String name, Map<String, Object> extra) {
        Map<String, Object> p = new java.util.HashMap<>(Map.of("kernel", kernel.toString()));
        p.putAll(extra);
        inventory.vmConfigured("org.virtio.vm~" + name, p);
    }

    @Test
    void aDeviceWaitsForItsFactoryAndGoesBackToWaitingWhenItLeaves() throws Exception {
        vm("demo", Map.of());
        inventory.deviceConfigured("org.virtio.device.rng~demo.rng0", "org.virtio.device.rng",
                Map.of("vm", "demo", "name", "rng0", "source", "securerandom"));
        DeviceInfo d = inventory.device("demo", "rng0");
        assertEquals(DeviceInfo.Status.WAITING, d.status());
        assertTrue(d.error().contains("no device factory of type rng"), d.error());

        RecordingFactory rng = new RecordingFactory("rng");
        FactoryRef r = ref(rng, 7);
        inventory.factoryAdded(r);
        assertEquals(DeviceInfo.Status.READY, inventory.device("demo", "rng0").status(), "VM not running: no instance yet");
        assertEquals(List.of(), rng.created);
        inventory.factoryRemoved(r);
        assertEquals(DeviceInfo.Status.WAITING, inventory.device("demo", "rng0").status());
    }

    @Test
    void aMalformedVmIsListedWithItsErrorsAndTheOthersAreUntouched() throws Exception {
        vm("good", Map.of("memory", "32"));
        vm("bad", Map.of("memory", "lots", "vcpus", "0"));
        List<VmInfo> all = inventory.list();
        assertEquals(List.of("bad", "good"), all.stream().map(VmInfo::name).toList());
        VmInfo bad = inventory.info("bad");
        assertEquals(VmState.INVALID, bad.state());
        assertEquals(List.of("org.virtio.vm~bad: memory: must be an integer, got \"lots\"",
                "org.virtio.vm~bad: vcpus: must be between 1 and 255, got 0"), bad.errors());
        VmException e = assertThrows(VmException.class, () -> inventory.start("bad"));
        assertTrue(e.getMessage().startsWith("VM bad cannot start: its configuration is invalid: org.virtio.vm~bad: memory"),
                e.getMessage());
        assertEquals(VmState.DEFINED, inventory.info("good").state());
        assertEquals(32, inventory.info("good").memoryMib());
        assertEquals(List.of("+good", "+bad"), observed);
    }

    @Test
    void aKernelThatIsNoKernelFailsTheStartNamingTheKey() throws Exception {
        vm("k", Map.of());
        VmException e = assertThrows(VmException.class, () -> inventory.start("k"));
        assertEquals("org.virtio.vm~k: kernel: " + kernel
                + " is neither an ELF kernel (booted through PVH) nor a bzImage (no \\x7fELF or HdrS magic)", e.getMessage());
        VmInfo info = inventory.info("k");
        assertEquals(VmState.FAILED, info.state());
        assertEquals(e.getMessage(), info.detail());
    }

    @Test
    void aSecondConfigurationWithTheSameNameIsRejected() throws Exception {
        vm("twin", Map.of());
        inventory.vmConfigured("org.virtio.vm.other", Map.of("kernel", kernel.toString(), "name", "twin"));
        assertEquals(VmState.DEFINED, inventory.info("twin").state(), "the first one keeps the name");
        assertEquals(2, inventory.list().size());
        VmInfo second = inventory.list().stream().filter(v -> v.state() == VmState.INVALID).findFirst().orElseThrow();
        assertEquals(List.of("org.virtio.vm.other: name: VM name \"twin\" is already used by org.virtio.vm~twin"), second.errors());
    }

    @Test
    void removingAVmUnregistersItAndLeavesItsDevicesWaitingForTheName() throws Exception {
        vm("gone", Map.of());
        inventory.deviceConfigured("org.virtio.device.rng~gone.r", "org.virtio.device.rng", Map.of("vm", "gone", "name", "r"));
        inventory.vmRemoved("org.virtio.vm~gone");
        assertEquals(List.of("+gone", "-gone"), observed);
        assertThrows(VmException.class, () -> inventory.info("gone"));
        vm("gone", Map.of());
        assertEquals(List.of("r"), inventory.devices("gone").stream().map(DeviceInfo::name).toList());
    }

    @Test
    void aDeviceWithoutAVmKeyIsAConfigErrorOfNoVm() {
        inventory.deviceConfigured("org.virtio.device.blk~x", "org.virtio.device.blk", Map.of("path", "/tmp/x"));
        assertEquals(List.of("org.virtio.device.blk~x: vm: is required: the name of the VM the device belongs to"),
                inventory.configErrors());
        inventory.deviceRemoved("org.virtio.device.blk~x");
        assertEquals(List.of(), inventory.configErrors());
    }

    @Test
    void twoDevicesWithOneNameInOneVmTheSecondIsInvalid() throws Exception {
        vm("d", Map.of());
        inventory.deviceConfigured("org.virtio.device.rng~a", "org.virtio.device.rng", Map.of("vm", "d", "name", "x"));
        inventory.deviceConfigured("org.virtio.device.blk~b", "org.virtio.device.blk", Map.of("vm", "d", "name", "x"));
        List<DeviceInfo> devices = inventory.devices("d");
        assertEquals(2, devices.size());
        assertEquals(DeviceInfo.Status.INVALID, devices.get(1).status());
        assertEquals("org.virtio.device.blk~b: name: device name \"x\" is already used in VM d by org.virtio.device.rng~a",
                devices.get(1).error());
    }

    @Test
    void operationsOnUnknownOrStoppedVmsExplainWhy() throws Exception {
        assertEquals("no VM named nope", assertThrows(VmException.class, () -> inventory.stop("nope")).getMessage());
        vm("idle", Map.of());
        assertEquals("VM idle is not running (DEFINED)", assertThrows(VmException.class, () -> inventory.stop("idle")).getMessage());
        assertEquals("VM idle is not running (DEFINED): cannot pause it",
                assertThrows(VmException.class, () -> inventory.pause("idle")).getMessage());
        assertEquals("VM idle is not paused (DEFINED): cannot resume it",
                assertThrows(VmException.class, () -> inventory.resume("idle")).getMessage());
        assertEquals("VM idle has no device disk", assertThrows(VmException.class, () -> inventory.swap("idle", "disk", null)).getMessage());
        assertThrows(VmException.class, () -> inventory.attachConsole("idle", java.io.OutputStream.nullOutputStream()));
    }
    @Test
    void anAutostartVmWaitsForTheFactoriesOfItsDevices() throws Exception {
        inventory.deviceConfigured("org.virtio.device.rng~a.r", "org.virtio.device.rng", Map.of("vm", "a", "name", "r"));
        vm("a", Map.of("autostart", "true"));
        assertEquals(VmState.DEFINED, inventory.info("a").state(), "no rng factory yet: not started");
        inventory.factoryAdded(ref(new RecordingFactory("rng"), 1));
        // Started now; the kernel here is no kernel, so the start is seen failing on it.
        VmInfo a = inventory.info("a");
        assertEquals(VmState.FAILED, a.state());
        assertTrue(a.detail().startsWith("org.virtio.vm~a: kernel: "), a.detail());
    }

    @Test
    void anAutostartVmStartsWithoutAMissingFactoryOnceTheWaitIsOver() throws Exception {
        Inventory quick = new Inventory(Duration.ofMillis(50), Duration.ofMillis(100), executor, new Inventory.VmObserver() {
            @Override
            public void added(String vm) {
            }

            @Override
            public void removed(String vm) {
            }
        });
        try {
            quick.deviceConfigured("org.virtio.device.net~b.n", "org.virtio.device.net", Map.of("vm", "b", "name", "n"));
            quick.vmConfigured("org.virtio.vm~b", Map.of("kernel", kernel.toString(), "autostart", true));
            assertEquals(VmState.DEFINED, quick.info("b").state());
            assertTrue(quick.await(() -> {
                try {
                    return quick.info("b").state() == VmState.FAILED;
                } catch (VmException e) {
                    return false;
                }
            }, Duration.ofSeconds(30)), "the start was not attempted after the wait");
        } finally {
            quick.shutdown();
        }
    }

    @Test
    void anAutostartVmWithoutDevicesStartsAtOnce() throws Exception {
        vm("c", Map.of("autostart", "true"));
        assertEquals(VmState.FAILED, inventory.info("c").state(), "started at once (and failed on the non-kernel)");
    }
}
