package org.virtio.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.device.input.api.KeyCodes;
import org.virtio.device.input.api.KeyboardInput;

/**
 * The input and net device bundles resolve and start in Felix, register their factories through DS, and
 * make working devices: the keyboard is a {@link KeyboardInput} through the exported API package, the network
 * device opens its unix datagram backend.
 */
class InputNetBundlesTest {
    @InjectBundleContext
    BundleContext context;

    private ServiceReference<VirtioDeviceFactory> factory(String type, String symbolicName) throws Exception {
        var refs = context.getServiceReferences(VirtioDeviceFactory.class,
                "(" + VirtioDeviceFactory.TYPE_PROPERTY + "=" + type + ")");
        assertEquals(1, refs.size(), "factories for " + type);
        ServiceReference<VirtioDeviceFactory> ref = refs.iterator().next();
        assertEquals(symbolicName, ref.getBundle().getSymbolicName());
        return ref;
    }

    @Test
    void bundlesAreActive() {
        for (String name : new String[] {"org.virtio.device.input", "org.virtio.device.net"}) {
            Bundle b = Arrays.stream(context.getBundles()).filter(x -> name.equals(x.getSymbolicName())).findFirst().orElse(null);
            assertNotNull(b, name + " is not installed");
            assertEquals(Bundle.ACTIVE, b.getState(), name + " is not ACTIVE");
        }
    }

    @Test
    void inputFactoryMakesAKeyboard() throws Exception {
        ServiceReference<VirtioDeviceFactory> ref = factory("input", "org.virtio.device.input");
        try {
            VirtioDeviceFactory f = context.getService(ref);
            assertEquals(DeviceType.INPUT, f.deviceType());
            VirtioDevice d = f.create(Map.of("deviceName", "itest keyboard"));
            assertTrue(d instanceof KeyboardInput, "the device implements the exported KeyboardInput");
            KeyboardInput k = (KeyboardInput) d;
            assertFalse(k.ready(), "no driver yet");
            assertFalse(k.press(KeyCodes.KEY_A), "dropped before DRIVER_OK");
            ((AutoCloseable) d).close();
        } finally {
            context.ungetService(ref);
        }
    }

    @Test
    void netFactoryOpensASocketBackend() throws Exception {
        ServiceReference<VirtioDeviceFactory> ref = factory("net", "org.virtio.device.net");
        Path dir = Files.createTempDirectory("itest-net");
        try {
            VirtioDeviceFactory f = context.getService(ref);
            assertEquals(DeviceType.NET, f.deviceType());
            Path sock = dir.resolve("net.sock");
            VirtioDevice d = f.create(Map.of("socket", sock.toString(), "peer", dir.resolve("peer.sock").toString(),
                    "mac", "52:54:00:00:00:42"));
            assertTrue(Files.exists(sock), "the backend bound its socket");
            assertEquals(0x42, readMacLastByte(d), "the configured MAC is in the config space");
            ((AutoCloseable) d).close();
            assertFalse(Files.exists(sock), "closing the device removed its socket");
        } finally {
            context.ungetService(ref);
            Files.deleteIfExists(dir);
        }
    }

    private static int readMacLastByte(VirtioDevice d) {
        byte[] b = new byte[1];
        d.readConfig(5, b);
        return b[0] & 0xff;
    }
}
