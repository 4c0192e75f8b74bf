package org.virtio.core.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;
import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;

class SimulatedGuestTest {
    private static final long RAM = 1 << 20;
    private static final long V1 = VirtioFeatures.bit(VirtioFeatures.VERSION_1);

    /** One queue; fills each chain's writable part with 0x5A and uses all of it. Optionally fails at DRIVER_OK. */
    static final class FillDevice implements VirtioDevice {
        final boolean failOnActivate;
        DeviceContext context;
        int resets;

        FillDevice(boolean failOnActivate) {
            this.failOnActivate = failOnActivate;
        }

        @Override
        public int deviceType() {
            return 4;
        }

        @Override
        public long deviceFeatures() {
            return 0;
        }

        @Override
        public int queueCount() {
            return 1;
        }

        @Override
        public int maxQueueSize(int queue) {
            return 16;
        }

        @Override
        public int configSize() {
            return 0;
        }

        @Override
        public void readConfig(int offset, byte[] dst) {
        }

        @Override
        public void activate(DeviceContext ctx) {
            context = ctx;
            if (failOnActivate) {
                ctx.needsReset("refusing DRIVER_OK for the test");
            }
        }

        @Override
        public void queueNotified(int queue) {
            VirtQueue q = context.queue(queue);
            DescriptorChain chain;
            while ((chain = q.pop()) != null) {
                byte[] fill = new byte[(int) chain.writableBytes()];
                java.util.Arrays.fill(fill, (byte) 0x5A);
                chain.write(0, MemorySegment.ofArray(fill), 0, fill.length);
                q.add(chain, fill.length);
            }
            q.flush();
        }

        @Override
        public void reset() {
            resets++;
            context = null;
        }
    }

    @Test
    void startedGuestIsDriverOkAndMovesBuffersThroughTheDevice() {
        FillDevice device = new FillDevice(false);
        try (SimulatedGuest guest = SimulatedGuest.start(device, "test/fill0", RAM, V1, 8)) {
            assertEquals(DeviceStatus.DRIVER_OK, guest.host().status() & DeviceStatus.DRIVER_OK);
            GuestAddress a = guest.buffer(24);
            assertEquals(0, a.value() % 16, "buffers are 16-byte aligned");
            guest.write(a, new byte[24]);
            assertEquals(-1, guest.usedLength(0), "nothing used before a chain is made available");
            guest.add(0, new GuestAddress[] {a}, new int[] {24}, new boolean[] {true}, false);
            guest.driver().kick(0);
            assertEquals(24, guest.usedLength(0));
            byte[] expected = new byte[24];
            java.util.Arrays.fill(expected, (byte) 0x5A);
            assertArrayEquals(expected, guest.read(a, 24));
        }
        assertTrue(device.resets >= 1, "closing resets the device");
    }

    @Test
    void writeThenReadRoundTripsAndOutsideRamIsAClearError() {
        try (SimulatedGuest guest = SimulatedGuest.attach(new FillDevice(false), "test/fill0", RAM)) {
            GuestAddress a = guest.buffer(4);
            guest.write(a, new byte[] {9, 1, 2, 3, 4}, 1, 4);
            assertArrayEquals(new byte[] {1, 2, 3, 4}, guest.read(a, 4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> guest.read(GuestAddress.of(RAM - 2), 4));
            assertTrue(e.getMessage().contains("4 bytes"), e.getMessage());
        }
    }

    @Test
    void attachedGuestIsNotInitialisedUntilAsked() {
        try (SimulatedGuest guest = SimulatedGuest.attach(new FillDevice(false), "test/fill0", RAM)) {
            assertEquals(0, guest.host().status());
            assertTrue(guest.initialize(V1, 8));
        }
    }

    @Test
    void startFailsClearlyWhenTheDeviceRefusesDriverOk() {
        FillDevice device = new FillDevice(true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SimulatedGuest.start(device, "test/fill0", RAM, V1, 8));
        assertTrue(e.getMessage().contains("DRIVER_OK"), e.getMessage());
        assertTrue(device.resets >= 1, "the guest was closed, resetting the device");
    }

    @Test
    void aFullRingIsReported() {
        try (SimulatedGuest guest = SimulatedGuest.start(new FillDevice(false), "test/fill0", RAM, V1, 2)) {
            GuestAddress a = guest.buffer(8);
            guest.add(0, new GuestAddress[] {a}, new int[] {8}, new boolean[] {true}, false);
            guest.add(0, new GuestAddress[] {a}, new int[] {8}, new boolean[] {true}, false);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> guest.add(0, new GuestAddress[] {a}, new int[] {8}, new boolean[] {true}, false));
            assertTrue(e.getMessage().contains("ring full"), e.getMessage());
        }
    }
}
