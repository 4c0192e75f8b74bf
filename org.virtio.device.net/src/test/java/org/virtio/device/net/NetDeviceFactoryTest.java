package org.virtio.device.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.device.DeviceType;
import org.virtio.device.net.backend.UnixDatagramBackend;

/** Validation of device properties: every rejection names its key. */
class NetDeviceFactoryTest {
    private final NetDeviceFactory factory = new NetDeviceFactory();

    private void rejected(Map<String, ?> properties, String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> factory.create(properties));
        assertTrue(e.getMessage().startsWith(key + ":"), e.getMessage());
    }

    @Test
    void identity() {
        assertEquals("net", factory.typeName());
        assertEquals(DeviceType.NET, factory.deviceType());
    }

    @Test
    void socketBackendWithDefaults(@TempDir Path dir) {
        NetDevice d = (NetDevice) factory.create(Map.of("socket", dir.resolve("n.sock").toString(),
                "peer", dir.resolve("p.sock").toString()));
        try {
            assertTrue(d.backend() instanceof UnixDatagramBackend);
            assertTrue(d.mac().startsWith("52:54:00:"), d.mac());
            assertEquals(0, d.mtu());
            assertEquals(1L << NetSpec.F_MRG_RXBUF, d.deviceFeatures() & (1L << NetSpec.F_MRG_RXBUF));
        } finally {
            d.close();
        }
        NetDevice other = (NetDevice) factory.create(Map.of("socket", dir.resolve("n.sock").toString(),
                "peer", dir.resolve("p.sock").toString(), "mac", "02-00-00-00-00-01", "mtu", "9000",
                "mergeRxBuffers", "false", "rxQueueFrames", 8));
        try {
            assertEquals("02:00:00:00:00:01", other.mac());
            assertEquals(9000, other.mtu());
            assertEquals(0, other.deviceFeatures() & (1L << NetSpec.F_MRG_RXBUF));
            assertNotEquals(0, other.deviceFeatures() & (1L << NetSpec.F_MTU));
        } finally {
            other.close();
        }
    }

    @Test
    void badValuesRejected(@TempDir Path dir) {
        String sock = dir.resolve("n.sock").toString();
        String peer = dir.resolve("p.sock").toString();
        rejected(Map.of(), "tap");
        rejected(Map.of("tap", "t0", "socket", sock, "peer", peer), "tap");
        rejected(Map.of("tap", "much-too-long-name"), "tap");
        rejected(Map.of("tap", "bad/name"), "tap");
        rejected(Map.of("tap", ".."), "tap");
        rejected(Map.of("tap", 5), "tap");
        rejected(Map.of("socket", sock), "peer");
        rejected(Map.of("socket", sock, "peer", sock), "peer");
        rejected(Map.of("tap", "t0", "peer", peer), "peer");
        rejected(Map.of("socket", "relative.sock", "peer", peer), "socket");
        rejected(Map.of("socket", dir.resolve("missing/n.sock").toString(), "peer", peer), "socket");
        rejected(Map.of("socket", "/" + "s".repeat(110), "peer", peer), "socket");
        rejected(Map.of("socket", dir.toString(), "peer", peer), "socket");
        rejected(Map.of("socket", sock, "peer", peer, "mac", "01:00:5e:00:00:01"), "mac");
        rejected(Map.of("socket", sock, "peer", peer, "mac", "00:00:00:00:00:00"), "mac");
        rejected(Map.of("socket", sock, "peer", peer, "mac", "52:54:00:12:34"), "mac");
        rejected(Map.of("socket", sock, "peer", peer, "mac", "52:54:00:12:34:zz"), "mac");
        rejected(Map.of("socket", sock, "peer", peer, "mtu", 67), "mtu");
        rejected(Map.of("socket", sock, "peer", peer, "mtu", 65518), "mtu");
        rejected(Map.of("socket", sock, "peer", peer, "mergeRxBuffers", "maybe"), "mergeRxBuffers");
        rejected(Map.of("socket", sock, "peer", peer, "rxQueueFrames", 0), "rxQueueFrames");
        rejected(Map.of("socket", sock, "peer", peer, "rxQueueFrames", 4097), "rxQueueFrames");
    }
}
