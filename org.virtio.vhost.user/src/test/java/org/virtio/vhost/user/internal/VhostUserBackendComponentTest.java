package org.virtio.vhost.user.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.device.rng.RngConfig;
import org.virtio.device.rng.RngDeviceFactory;
import org.virtio.vhost.user.internal.protocol.ProtocolFeatures;

/** The DS component, driven by hand as SCR would: configuration, factory services coming and going. */
@Timeout(60)
class VhostUserBackendComponentTest {
    @TempDir
    Path dir;

    static BackendConfig config(String socket, String type) {
        return (BackendConfig) Proxy.newProxyInstance(BackendConfig.class.getClassLoader(),
                new Class<?>[] {BackendConfig.class}, (p, m, a) -> switch (m.getName()) {
                    case "socket" -> socket;
                    case "device_type" -> type;
                    case "annotationType" -> BackendConfig.class;
                    default -> null;
                });
    }

    @Test
    void servesWhileAMatchingFactoryIsRegistered() throws Exception {
        Path sock = dir.resolve("rng.sock");
        Map<String, Object> props = new HashMap<>(Map.of("socket", sock.toString(), "device.type", "rng",
                "maxBytesPerRequest", "32", "component.id", 7L, "service.pid", "x"));
        VhostUserBackendComponent c = new VhostUserBackendComponent(config(sock.toString(), "rng"), props);
        assertEquals(Map.of("maxBytesPerRequest", "32"), VhostUserBackendComponent.deviceProperties(props));
        VirtioDeviceFactory other = new org.virtio.device.blk.BlkDeviceFactory();
        VirtioDeviceFactory rng = new RngDeviceFactory(Devices.defaults(RngConfig.class));
        c.addFactory(other, Map.of(VirtioDeviceFactory.TYPE_PROPERTY, "blk"));
        c.start();
        assertNull(c.backend(), "no rng factory yet");
        c.addFactory(rng, Map.of(VirtioDeviceFactory.TYPE_PROPERTY, "rng"));
        assertNotNull(c.backend());
        try (TestFrontend f = TestFrontend.connect(sock)) {
            long acked = f.negotiate(BackendEndToEndTest.RING, ProtocolFeatures.OFFERED);
            TestFrontend.Ring ring = f.startRing(0, 16, acked, 0);
            ring.driver().add(new long[] {Devices.DATA}, new int[] {100}, new boolean[] {true}, 1, false);
            ring.kick().signal();
            assertTrue(TestFrontend.awaitUsed(ring));
            assertEquals(32, ring.driver().usedLength(), "the configuration reached the factory");
        }
        c.removeFactory(rng);
        assertNull(c.backend());
        assertFalse(Files.exists(sock), "socket removed with the backend");
        c.addFactory(rng, Map.of(VirtioDeviceFactory.TYPE_PROPERTY, "rng"));
        assertTrue(c.backend().isRunning());
        c.stop();
        assertNull(c.backend());
    }

    @Test
    void missingKeysAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new VhostUserBackendComponent(config(null, "rng"), Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new VhostUserBackendComponent(config("/tmp/x.sock", " "), Map.of()));
    }
}
