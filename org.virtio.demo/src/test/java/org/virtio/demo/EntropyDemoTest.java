package org.virtio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.device.rng.RngConfig;
import org.virtio.device.rng.RngDeviceFactory;

/** The demo scenario against the real virtio-rng device, outside OSGi. */
class EntropyDemoTest {

    private static VirtioDeviceFactory rng(int maxBytesPerRequest) {
        return new RngDeviceFactory(new RngConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return RngConfig.class;
            }

            @Override
            public String source() {
                return "securerandom";
            }

            @Override
            public int maxBytesPerRequest() {
                return maxBytesPerRequest;
            }
        });
    }

    @Test
    void collectsAllRequestedEntropy() {
        DemoReport r = new EntropyDemo(rng(65536), 256, 64).run();
        assertEquals(4, r.buffers());
        assertEquals(256, r.entropy().length);
        assertFalse(Arrays.equals(new byte[256], r.entropy()));
        assertEquals(EntropyDemo.FEATURES, r.negotiatedFeatures());
        assertTrue((r.status() & DeviceStatus.DRIVER_OK) != 0);
        assertEquals(0, r.status() & DeviceStatus.DEVICE_NEEDS_RESET);
        assertTrue(r.usedInterrupts() >= 1);
        String text = r.format();
        assertTrue(text.contains("[INDIRECT_DESC, EVENT_IDX, VERSION_1]"), text);
        assertEquals(8, text.lines().filter(l -> l.matches(" {2}[0-9a-f]{4} {2}[0-9a-f]{64}")).count(), text);
    }

    @Test
    void moreBuffersThanTheQueueHoldsGoInRounds() {
        DemoReport r = new EntropyDemo(rng(65536), 100 * 16, 16).run();
        assertEquals(100, r.buffers());
        assertEquals(1600, r.entropy().length);
    }

    @Test
    void deviceCapShortensEachBuffer() {
        DemoReport r = new EntropyDemo(rng(10), 128, 64).run();
        assertEquals(20, r.entropy().length);
    }

    @Test
    void deviceThatFailsIsReported() {
        VirtioDeviceFactory broken = new VirtioDeviceFactory() {
            @Override
            public String typeName() {
                return "rng";
            }

            @Override
            public int deviceType() {
                return 4;
            }

            @Override
            public VirtioDevice create(Map<String, ?> properties) {
                return rng(64).create(Map.of("source", "/proc/self/status", "maxBytesPerRequest", 65536));
            }
        };
        // /proc/self/status is a few KiB: 400 buffers of 64 bytes exhaust it and the device needs a reset.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new EntropyDemo(broken, 400 * 64, 64).run());
        assertTrue(e.getMessage().contains("entropy source reached its end"), e.getMessage());
    }

    @Test
    void rejectsNonsenseSizes() {
        assertThrows(IllegalArgumentException.class, () -> new EntropyDemo(rng(64), 0, 64));
        assertThrows(IllegalArgumentException.class, () -> new EntropyDemo(rng(64), 64, 0));
    }
}
