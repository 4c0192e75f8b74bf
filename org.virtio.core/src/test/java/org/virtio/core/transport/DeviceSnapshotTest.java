package org.virtio.core.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SimulatedDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;
import org.virtio.core.queue.QueueState;

/** Live swap at the core level: quiesce, snapshot, restore into a different device object, resume. */
class DeviceSnapshotTest {
    private final GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), 4 << 20).build();
    private static final long BUFFERS = 2 << 20;

    @AfterEach
    void close() {
        ram.close();
    }

    private static long features(boolean packed) {
        return VirtioFeatures.bit(VirtioFeatures.VERSION_1) | VirtioFeatures.bit(VirtioFeatures.EVENT_IDX) | 1L
                | (packed ? VirtioFeatures.bit(VirtioFeatures.RING_PACKED) : 0);
    }

    private static int post(QueueDriver q, int n, int first, Set<Integer> inFlight) {
        int posted = 0;
        for (int i = 0; i < n; i++) {
            long addr = BUFFERS + 64L * (first + i);
            int id = q.add(new long[] {addr}, new int[] {64}, new boolean[] {true}, 1, false);
            if (id >= 0) {
                assertTrue(inFlight.add(id), "driver reused id " + id + " while in flight");
                posted++;
            }
        }
        return posted;
    }

    /** Drains used buffers, checking each id completes once and recording which generation served it. */
    private static List<Integer> reap(QueueDriver q, Set<Integer> inFlight, GuestRam ram) throws Exception {
        List<Integer> generations = new ArrayList<>();
        while (q.pollUsed()) {
            assertTrue(inFlight.remove(q.usedId()), "id " + q.usedId() + " completed twice or never posted");
            assertEquals(4, q.usedLength());
            generations.add(q.usedId());
        }
        return generations;
    }

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void swapUnderLoadLosesAndDuplicatesNothing(boolean packed) throws Exception {
        SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), BUFFERS);
        DeferredDevice first = new DeferredDevice(1);
        VirtioDeviceHost host = driver.attach(first, null, "vm/test0");
        assertTrue(driver.initialize(features(packed), 32));
        QueueDriver q = driver.queue(0);
        Set<Integer> inFlight = new HashSet<>();
        int completed = 0;
        int generation = 1;
        DeferredDevice current = first;
        for (int round = 0; round < 25; round++) {
            // Driver keeps the queue busy; the device holds everything it pops in flight.
            assertEquals(8, post(q, 8, round * 8, inFlight));
            driver.kick(0);
            assertTrue(current.pending() > 0, "device popped nothing in round " + round);

            // Swap: quiesce completes in-flight requests exactly once, then a new object takes over.
            host.quiesce();
            DeviceSnapshot snap = host.snapshot();
            assertEquals(0, current.pending());
            generation++;
            DeferredDevice next = new DeferredDevice(generation);
            VirtioDeviceHost nextHost = driver.attach(next, null, "vm/test0");
            nextHost.restore(snap);
            nextHost.resume();
            assertEquals(1, next.activations);
            assertEquals(host.status(), nextHost.status());
            completed += reap(q, inFlight, ram).size();
            host = nextHost;
            current = next;
        }
        assertEquals(25 * 8, completed);
        assertTrue(inFlight.isEmpty(), "never completed: " + inFlight);
        assertEquals(DeviceStatus.DRIVER_OK, host.status() & (DeviceStatus.DRIVER_OK | DeviceStatus.DEVICE_NEEDS_RESET));
        // The new implementation keeps serving.
        post(q, 4, 0, inFlight);
        driver.kick(0);
        current.completeAll();
        int n = 0;
        while (q.pollUsed()) {
            n++;
        }
        assertEquals(4, n);
    }

    @Test
    void notificationsDuringQuiesceAreDeliveredOnResume() {
        SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), BUFFERS);
        DeferredDevice dev = new DeferredDevice(1);
        VirtioDeviceHost host = driver.attach(dev, null, "vm/q");
        assertTrue(driver.initialize(features(false), 16));
        host.quiesce();
        post(driver.queue(0), 2, 0, new HashSet<>());
        driver.kick(0);
        assertEquals(0, dev.pending(), "a quiesced device must not be called");
        host.resume();
        assertEquals(2, dev.pending());
    }

    @Test
    void snapshotRequiresQuiesce() {
        SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), BUFFERS);
        VirtioDeviceHost host = driver.attach(new DeferredDevice(1), null, "vm/q");
        assertTrue(driver.initialize(features(false), 16));
        assertThrows(IllegalStateException.class, host::snapshot);
    }

    private DeviceSnapshot quiescedSnapshot(SimulatedDriver driver) {
        VirtioDeviceHost host = driver.attach(new DeferredDevice(1), null, "vm/q");
        assertTrue(driver.initialize(features(false), 16));
        host.quiesce();
        return host.snapshot();
    }

    @Test
    void restoreRejectsAnotherDeviceType() {
        SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), BUFFERS);
        DeviceSnapshot s = quiescedSnapshot(driver);
        DeviceSnapshot wrong = new DeviceSnapshot(s.deviceType() + 1, s.offeredFeatures(), s.driverFeatures(), s.status(),
                s.configGeneration(), s.queues(), s.config(), s.deviceState());
        VirtioDeviceHost fresh = driver.attach(new DeferredDevice(2), null, "vm/q");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fresh.restore(wrong));
        assertTrue(e.getMessage().contains("device type"), e.getMessage());
        assertEquals(0, fresh.status());
    }

    @Test
    void restoreRejectsFeaturesTheNewImplementationDoesNotOffer() {
        SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), BUFFERS);
        DeviceSnapshot s = quiescedSnapshot(driver);
        DeviceSnapshot wrong = new DeviceSnapshot(s.deviceType(), s.offeredFeatures(), s.driverFeatures() | (1L << 5),
                s.status(), s.configGeneration(), s.queues(), s.config(), s.deviceState());
        VirtioDeviceHost fresh = driver.attach(new DeferredDevice(2), null, "vm/q");
        assertThrows(IllegalArgumentException.class, () -> fresh.restore(wrong));
    }

    @Test
    void restoreRejectsRingsOutsideGuestMemory() {
        SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), BUFFERS);
        DeviceSnapshot s = quiescedSnapshot(driver);
        QueueState q = s.queues().get(0);
        QueueState bad = new QueueState(0, q.format(), q.size(), GuestAddress.of(1L << 40), q.driverArea(), q.deviceArea(),
                true, q.nextAvail(), q.availWrap(), q.nextUsed(), q.usedWrap(), true);
        DeviceSnapshot wrong = new DeviceSnapshot(s.deviceType(), s.offeredFeatures(), s.driverFeatures(), s.status(),
                s.configGeneration(), List.of(bad), s.config(), s.deviceState());
        VirtioDeviceHost fresh = driver.attach(new DeferredDevice(2), null, "vm/q");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fresh.restore(wrong));
        assertTrue(e.getMessage().contains("outside guest memory"), e.getMessage());
        assertEquals(0, fresh.status());
    }

    @Test
    void restoreRejectsWrongQueueCountAndUnreachableStatus() {
        SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), BUFFERS);
        DeviceSnapshot s = quiescedSnapshot(driver);
        VirtioDeviceHost fresh = driver.attach(new DeferredDevice(2), null, "vm/q");
        assertThrows(IllegalArgumentException.class, () -> fresh.restore(new DeviceSnapshot(s.deviceType(),
                s.offeredFeatures(), s.driverFeatures(), s.status(), 0, List.of(), s.config(), s.deviceState())));
        assertThrows(IllegalArgumentException.class, () -> fresh.restore(new DeviceSnapshot(s.deviceType(),
                s.offeredFeatures(), s.driverFeatures(), DeviceStatus.DRIVER_OK, 0, s.queues(), s.config(), s.deviceState())));
        assertThrows(IllegalArgumentException.class, () -> fresh.restore(new DeviceSnapshot(s.deviceType(),
                s.offeredFeatures(), s.driverFeatures(), s.status(), 0, s.queues(), new byte[3], s.deviceState())));
        assertFalse((fresh.status() & DeviceStatus.DRIVER_OK) != 0);
    }

    @Test
    void restoreIntoAUsedHostIsRefused() {
        SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), BUFFERS);
        DeviceSnapshot s = quiescedSnapshot(driver);
        VirtioDeviceHost other = driver.attach(new DeferredDevice(2), null, "vm/q");
        assertTrue(driver.initialize(features(false), 16));
        assertThrows(IllegalStateException.class, () -> other.restore(s));
    }

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void swapDeviceInPlaceUnderLoadLosesAndDuplicatesNothing(boolean packed) throws Exception {
        SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), BUFFERS);
        DeferredDevice current = new DeferredDevice(1);
        VirtioDeviceHost host = driver.attach(current, null, "vm/swap0");
        assertTrue(driver.initialize(features(packed), 32));
        QueueDriver q = driver.queue(0);
        Set<Integer> inFlight = new HashSet<>();
        int completed = 0;
        for (int round = 0; round < 25; round++) {
            assertEquals(8, post(q, 8, round * 8, inFlight));
            driver.kick(0);
            assertTrue(current.pending() > 0, "device popped nothing in round " + round);
            // Requests the driver queues without a notification the old device would have seen.
            post(q, 2, 200 + round, inFlight);
            DeferredDevice next = new DeferredDevice(round + 2);
            assertEquals(current, host.swapDevice(next));
            assertEquals(0, current.pending(), "old device still holds requests");
            assertEquals(2, next.pending(), "the replacement was not told about queued requests");
            assertEquals(1, next.activations);
            assertEquals(next, host.device());
            next.completeAll();
            completed += reap(q, inFlight, ram).size();
            current = next;
        }
        assertEquals(25 * 10, completed);
        assertTrue(inFlight.isEmpty(), "never completed: " + inFlight);
        assertEquals(DeviceStatus.DRIVER_OK, host.status() & (DeviceStatus.DRIVER_OK | DeviceStatus.DEVICE_NEEDS_RESET));
    }

    @Test
    void swapDeviceRefusesAMismatchAndKeepsTheOldDevice() {
        SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), BUFFERS);
        DeferredDevice dev = new DeferredDevice(1);
        VirtioDeviceHost host = driver.attach(dev, null, "vm/q");
        assertTrue(driver.initialize(features(false), 16));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> host.swapDevice(otherType()));
        assertTrue(e.getMessage().contains("vm/q"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> host.swapDevice(dev));
        assertEquals(dev, host.device());
        post(driver.queue(0), 2, 0, new HashSet<>());
        driver.kick(0);
        assertEquals(2, dev.pending(), "the old device must keep serving after a refused swap");
    }

    /** A device of another type: a swap onto it must be refused. */
    private static org.virtio.core.device.VirtioDevice otherType() {
        return new org.virtio.core.device.VirtioDevice() {
            public int deviceType() { return 1; }
            public long deviceFeatures() { return 1; }
            public int queueCount() { return 1; }
            public int maxQueueSize(int queue) { return 64; }
            public int configSize() { return 4; }
            public void readConfig(int offset, byte[] dst) { }
            public void activate(org.virtio.core.device.DeviceContext context) { }
            public void queueNotified(int queue) { }
            public void reset() { }
        };
    }
}
