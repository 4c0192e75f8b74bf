package org.virtio.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SimulatedDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.GuestRam;
import org.virtio.core.transport.VirtioDeviceHost;

/** The rng bundle's factory service, found and used inside the framework (VirtIO 1.3 §5.4). */
class RngFactoryServiceTest {
    private static final long RAM = 1 << 20;
    private static final int BUFFER = 64;

    @InjectBundleContext
    BundleContext context;

    @InjectService(filter = "(" + VirtioDeviceFactory.TYPE_PROPERTY + "=rng)")
    VirtioDeviceFactory rng;

    @Test
    void factoryIsRegisteredWithTypeRng() throws Exception {
        Collection<ServiceReference<VirtioDeviceFactory>> refs = context.getServiceReferences(VirtioDeviceFactory.class,
                "(" + VirtioDeviceFactory.TYPE_PROPERTY + "=rng)");
        assertEquals(1, refs.size());
        ServiceReference<VirtioDeviceFactory> ref = refs.iterator().next();
        assertEquals("rng", ref.getProperty(VirtioDeviceFactory.TYPE_PROPERTY));
        assertEquals("org.virtio.device.rng", ref.getBundle().getSymbolicName());
        assertEquals("rng", rng.typeName());
        assertEquals(DeviceType.ENTROPY, rng.deviceType());
    }

    @Test
    void deviceServesEntropyThroughSimulatedDriverOverMemfdRam() throws GuestMemoryException {
        VirtioDevice device = rng.create(Map.of());
        try (GuestRam ram = GuestRam.builder().memfd("itest-ram", GuestAddress.of(0), RAM).build()) {
            assertTrue(ram.regions().get(0).memfd().isPresent(), "guest RAM is not memfd-backed");
            SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), RAM);
            VirtioDeviceHost host = driver.attach(device, null, "itest/rng0");
            long features = VirtioFeatures.bit(VirtioFeatures.VERSION_1) | VirtioFeatures.bit(VirtioFeatures.EVENT_IDX)
                    | VirtioFeatures.bit(VirtioFeatures.INDIRECT_DESC);
            assertTrue(driver.initialize(features, 16), "device refused initialisation: " + host);
            try {
                byte[] first = request(ram, driver);
                byte[] second = request(ram, driver);
                assertFalse(Arrays.equals(new byte[BUFFER], first), "no entropy arrived");
                assertFalse(Arrays.equals(first, second), "two requests returned the same bytes");
                assertEquals(0, host.status() & DeviceStatus.DEVICE_NEEDS_RESET);
                assertTrue(driver.usedInterrupts(0) >= 1);
            } finally {
                host.setStatus(0);
            }
        }
    }

    /** Posts one writable buffer, kicks, and returns what the device wrote into it. */
    private static byte[] request(GuestRam ram, SimulatedDriver driver) throws GuestMemoryException {
        QueueDriver q = driver.queue(0);
        GuestAddress buf = driver.allocate(BUFFER, 16);
        int id = q.add(new long[] {buf.value()}, new int[] {BUFFER}, new boolean[] {true}, 1, false);
        assertTrue(id >= 0, "ring full");
        driver.kick(0);
        assertTrue(q.pollUsed(), "device did not return the buffer");
        assertEquals(id, q.usedId());
        assertEquals(BUFFER, q.usedLength());
        byte[] b = new byte[BUFFER];
        ram.read(buf.value(), MemorySegment.ofArray(b), 0, BUFFER);
        return b;
    }
}
