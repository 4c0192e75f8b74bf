package org.virtio.transport.mmio.api;

import static org.junit.jupiter.api.Assertions.*;
import static org.virtio.transport.mmio.api.MmioRegisters.*;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;

/** Level A: a driver that only reads and writes the window's registers, against a test device. */
class VirtioMmioDeviceTest {
    private static final long RAM = 1 << 20;
    private static final long BUFFERS = 0x80000;

    private GuestRam ram;
    private EchoDevice echo;
    private final AtomicInteger raised = new AtomicInteger();
    private VirtioMmioDevice dev;
    private MmioDriver driver;

    @BeforeEach
    void setUp() {
        ram = GuestRam.builder().anonymous(GuestAddress.of(0), RAM).build();
        echo = new EchoDevice();
        dev = VirtioMmioDevice.create(echo, ram, null, "test/echo0", raised::incrementAndGet);
        driver = new MmioDriver(dev, ram, 0x10000);
    }

    @AfterEach
    void tearDown() {
        ram.close();
    }

    private int reg(int offset) {
        return driver.reg(offset);
    }

    private void reg(int offset, int value) {
        driver.reg(offset, value);
    }

    @Test
    void s4_2_2_1_magicVersionAndIds() {
        assertEquals(0x74726976, reg(MAGIC_VALUE));
        assertEquals(2, reg(VERSION));
        assertEquals(EchoDevice.TYPE, reg(DEVICE_ID));
        assertNotEquals(0, reg(VENDOR_ID));
    }

    @Test
    void s4_2_2_featureWindowsSelectThirtyTwoBitsEach() {
        long offered = driver.deviceFeatures();
        assertEquals(dev.host().deviceFeatures(), offered);
        assertTrue(VirtioFeatures.has(offered, VirtioFeatures.VERSION_1), "VERSION_1 in the second word");
        assertTrue(VirtioFeatures.has(offered, 0), "the device's own bit 0");
        reg(DEVICE_FEATURES_SEL, 2);
        assertEquals(0, reg(DEVICE_FEATURES), "no bits beyond 63");
    }

    @Test
    void s3_1_1_initialisationThroughRegistersThenEchoOnASplitRing() throws Exception {
        long features = driver.initialize(VirtioFeatures.bit(VirtioFeatures.VERSION_1) | EchoDevice.FEATURE_ECHO, 16);
        assertNotEquals(-1, features);
        assertEquals(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK | DeviceStatus.DRIVER_OK,
                reg(STATUS));
        assertEquals(features, dev.host().driverFeatures(), "driver features assembled from the two halves");
        assertEquals(1, driver.queues.size(), "QueueNumMax of queue 1 reads 0: one queue");
        reg(QUEUE_SEL, 0);
        assertEquals(1, reg(QUEUE_READY));
        assertEquals(16, dev.host().queueSize(0));
        echoRoundTrip(driver.queues.get(0), "hello, mmio");
    }

    @Test
    void s3_1_1_initialisationThroughRegistersThenEchoOnAPackedRing() throws Exception {
        long want = VirtioFeatures.bit(VirtioFeatures.VERSION_1) | VirtioFeatures.bit(VirtioFeatures.RING_PACKED);
        assertTrue(VirtioFeatures.has(driver.deviceFeatures(), VirtioFeatures.RING_PACKED), "core offers packed rings");
        long features = driver.initialize(want, 8);
        assertTrue(VirtioFeatures.has(features, VirtioFeatures.RING_PACKED));
        echoRoundTrip(driver.queues.get(0), "packed");
    }

    /** Posts one chain (readable text + writable buffer), notifies through QueueNotify, takes the used buffer. */
    private void echoRoundTrip(QueueDriver q, String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        long in = BUFFERS;
        long out = BUFFERS + 0x1000;
        ram.write(in, MemorySegment.ofArray(bytes), 0, bytes.length);
        int id = q.add(new long[] {in, out}, new int[] {bytes.length, 64}, new boolean[] {false, true}, 2, false);
        assertTrue(id >= 0);
        int before = raised.get();
        assertEquals(0, reg(INTERRUPT_STATUS));
        reg(QUEUE_NOTIFY, 0);
        assertEquals(1, echo.notified.get());
        assertEquals(INT_USED_BUFFER, reg(INTERRUPT_STATUS), "used buffer bit set");
        assertTrue(raised.get() > before, "the line was raised");
        assertTrue(q.pollUsed());
        assertEquals(id, q.usedId());
        assertEquals(bytes.length, q.usedLength());
        byte[] echoed = new byte[bytes.length];
        ram.read(out, MemorySegment.ofArray(echoed), 0, echoed.length);
        assertEquals(text, new String(echoed, StandardCharsets.US_ASCII));
        reg(INTERRUPT_ACK, INT_USED_BUFFER);
        assertEquals(0, reg(INTERRUPT_STATUS), "InterruptACK clears the bit");
    }

    @Test
    void s3_1_1_featuresNotOfferedLeaveFeaturesOkClear() {
        reg(STATUS, DeviceStatus.ACKNOWLEDGE);
        reg(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        driver.writeDriverFeatures(VirtioFeatures.bit(VirtioFeatures.VERSION_1) | 1L << 5);
        reg(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK);
        assertEquals(0, reg(STATUS) & DeviceStatus.FEATURES_OK);
    }

    @Test
    void s4_2_2_1_interruptStatusHoldsEachEventUntilAcknowledged() {
        driver.initialize(VirtioFeatures.bit(VirtioFeatures.VERSION_1), 16);
        int before = raised.get();
        int generation = reg(CONFIG_GENERATION);
        echo.changeConfig((byte) 0x33);
        assertEquals(INT_CONFIG_CHANGE, reg(INTERRUPT_STATUS));
        assertEquals(before + 1, raised.get());
        assertNotEquals(generation, reg(CONFIG_GENERATION), "§2.5.1: the generation changes with the config");
        assertEquals(0x33, dev.read(CONFIG + 6, 1));

        QueueDriver q = driver.queues.get(0);
        q.add(new long[] {BUFFERS}, new int[] {16}, new boolean[] {true}, 1, false);
        reg(QUEUE_NOTIFY, 0);
        assertEquals(INT_USED_BUFFER | INT_CONFIG_CHANGE, reg(INTERRUPT_STATUS));
        assertEquals(before + 2, raised.get(), "each event pulses the line again");
        reg(INTERRUPT_ACK, INT_USED_BUFFER);
        assertEquals(INT_CONFIG_CHANGE, reg(INTERRUPT_STATUS), "only the acknowledged bit clears");
        reg(INTERRUPT_ACK, INT_CONFIG_CHANGE);
        assertEquals(0, reg(INTERRUPT_STATUS));
    }

    @Test
    void s4_2_2_configSpaceReadsAtEachFieldWidth() {
        int generation = reg(CONFIG_GENERATION);
        assertEquals(0x12345678L, dev.read(CONFIG, 4));
        assertEquals(0xabcdL, dev.read(CONFIG + 4, 2));
        assertEquals(0x5aL, dev.read(CONFIG + 6, 1));
        assertEquals(0x78L, dev.read(CONFIG, 1));
        assertEquals(0x5678L, dev.read(CONFIG, 2));
        assertEquals(0x005a_abcd_1234_5678L, dev.read(CONFIG, 8), "64-bit access, tolerated");
        dev.write(CONFIG + 7, 1, 0x9c);
        assertEquals(0x9cL, dev.read(CONFIG + 7, 1), "writable field");
        dev.write(CONFIG, 4, 0);
        assertEquals(0x12345678L, dev.read(CONFIG, 4), "read-only field");
        assertEquals(generation, reg(CONFIG_GENERATION), "driver writes do not change the generation");
    }

    @Test
    void s4_2_2_1_writingZeroToStatusResetsEveryRegister() {
        driver.initialize(VirtioFeatures.bit(VirtioFeatures.VERSION_1), 16);
        echo.changeConfig((byte) 1);
        reg(DEVICE_FEATURES_SEL, 1);
        reg(QUEUE_SEL, 0);
        assertNotEquals(0, reg(INTERRUPT_STATUS));
        int resets = echo.resets.get();

        reg(STATUS, 0);
        assertEquals(0, reg(STATUS));
        assertEquals(0, reg(INTERRUPT_STATUS), "InterruptStatus cleared on reset");
        assertEquals(0, reg(QUEUE_READY), "QueueReady cleared on reset");
        assertEquals(EchoDevice.MAX_QUEUE, reg(QUEUE_NUM_MAX));
        assertEquals((int) dev.host().deviceFeatures(), reg(DEVICE_FEATURES), "DeviceFeaturesSel back to 0");
        assertEquals(0, dev.host().driverFeatures());
        assertEquals(resets + 1, echo.resets.get(), "the device was reset");

        // and the device can be brought up again from scratch
        assertNotEquals(-1, driver.initialize(VirtioFeatures.bit(VirtioFeatures.VERSION_1), 32));
        echo.notified.set(0);
        assertDoesNotThrow(() -> echoRoundTrip(driver.queues.get(0), "again"));
    }

    @Test
    void s4_2_2_2_badAccessesAreIgnoredOrReadZero() {
        int[] sizes = {1, 2, 3, 8, 0, -1, 16};
        assertDoesNotThrow(() -> {
            for (int size : sizes) {
                assertEquals(0, dev.read(MAGIC_VALUE, size), "width " + size);
                dev.write(STATUS, size, DeviceStatus.ACKNOWLEDGE);
            }
            assertEquals(0, dev.read(MAGIC_VALUE + 2, 4), "unaligned");
            dev.write(STATUS + 1, 4, DeviceStatus.ACKNOWLEDGE);
            assertEquals(0, reg(STATUS), "no bad write reached Status");

            for (int off : new int[] {CONFIG + 8, CONFIG + 6, 0x1fc, 0x200, 0x1000, Integer.MAX_VALUE, -4, Integer.MIN_VALUE}) {
                assertEquals(0, dev.read(off, 4), "offset 0x" + Integer.toHexString(off));
                dev.write(off, 4, -1);
            }
            assertEquals(0, dev.read(CONFIG + 1, 2), "unaligned config access");
            assertEquals(0, dev.read(CONFIG + 7, 2), "config access crossing the end");
            assertEquals(0, dev.read(CONFIG, 3), "3-byte config access");

            // read-only registers ignore writes; write-only registers read 0
            reg(MAGIC_VALUE, 0);
            reg(DEVICE_ID, 0);
            reg(INTERRUPT_STATUS, 3);
            reg(CONFIG_GENERATION, 77);
            assertEquals(MAGIC, reg(MAGIC_VALUE));
            assertEquals(EchoDevice.TYPE, reg(DEVICE_ID));
            assertEquals(0, reg(INTERRUPT_STATUS));
            for (int wo : new int[] {DEVICE_FEATURES_SEL, DRIVER_FEATURES, DRIVER_FEATURES_SEL, QUEUE_SEL, QUEUE_NUM,
                    QUEUE_NOTIFY, INTERRUPT_ACK, QUEUE_DESC_LOW, QUEUE_DESC_HIGH, QUEUE_DRIVER_LOW, QUEUE_DEVICE_HIGH,
                    SHM_SEL, 0x0f0}) {
                reg(wo == QUEUE_NOTIFY || wo == INTERRUPT_ACK ? DEVICE_FEATURES_SEL : wo, 1);
                assertEquals(0, reg(wo), "write-only register 0x" + Integer.toHexString(wo));
            }

            // no shared memory, no queue reset
            assertEquals(-1, reg(SHM_LEN_LOW));
            assertEquals(-1, reg(SHM_LEN_HIGH));
            reg(QUEUE_RESET, 1);
            assertEquals(0, reg(QUEUE_RESET));

            // queue registers for a queue that does not exist
            reg(STATUS, DeviceStatus.ACKNOWLEDGE);
            reg(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
            driver.writeDriverFeatures(VirtioFeatures.bit(VirtioFeatures.VERSION_1));
            reg(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK);
            for (int q : new int[] {1, 65535, -1}) {
                reg(QUEUE_SEL, q);
                assertEquals(0, reg(QUEUE_NUM_MAX));
                reg(QUEUE_NUM, 8);
                reg(QUEUE_DESC_LOW, 0x1000);
                reg(QUEUE_READY, 1);
                assertEquals(0, reg(QUEUE_READY));
                reg(QUEUE_NOTIFY, q);
            }
            // QueueNum above QueueNumMax, and 0, are ignored
            reg(QUEUE_SEL, 0);
            reg(QUEUE_NUM, EchoDevice.MAX_QUEUE * 2);
            assertEquals(EchoDevice.MAX_QUEUE, dev.host().queueSize(0));
            reg(QUEUE_NUM, 0);
            assertEquals(EchoDevice.MAX_QUEUE, dev.host().queueSize(0));
            // a notification before DRIVER_OK reaches nobody
            reg(QUEUE_NOTIFY, 0);
            assertEquals(0, echo.notified.get());
            assertEquals(0, reg(INTERRUPT_STATUS));
        });
    }

    @Test
    void s4_2_3_2_ringAddressesAreFixedOnceTheQueueIsReady() {
        driver.initialize(VirtioFeatures.bit(VirtioFeatures.VERSION_1), 16);
        reg(QUEUE_SEL, 0);
        reg(QUEUE_DESC_LOW, 0xdead000);
        reg(QUEUE_NUM, 4);
        assertEquals(16, dev.host().queueSize(0));
        assertDoesNotThrow(() -> echoRoundTrip(driver.queues.get(0), "still there"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void s4_2_2_queueResetThroughQueueResetThenReEnableWithANewRing(boolean packed) throws Exception {
        long ringReset = VirtioFeatures.bit(VirtioFeatures.RING_RESET);
        long want = VirtioFeatures.bit(VirtioFeatures.VERSION_1) | ringReset
                | (packed ? VirtioFeatures.bit(VirtioFeatures.RING_PACKED) : 0);
        assertTrue(VirtioFeatures.has(driver.deviceFeatures(), VirtioFeatures.RING_RESET), "core offers RING_RESET");
        long features = driver.initialize(want, 16);
        assertEquals(want, features);
        reg(QUEUE_SEL, 0);
        assertEquals(0, reg(QUEUE_RESET), "§4.2.2.1: 0 after the queue is enabled");
        echoRoundTrip(driver.queues.get(0), "before");
        QueueDriver old = driver.queues.get(0);
        long oldDesc = old.descArea().value();

        // The reset alone: the queue reads not ready, its registers are back to the defaults.
        reg(QUEUE_RESET, 1);
        assertEquals(0, reg(QUEUE_RESET), "§4.2.2.1: 0 once the reset has completed");
        assertEquals(0, reg(QUEUE_READY), "§4.2.2.1: QueueReady 0 once the reset has completed");
        assertEquals(EchoDevice.MAX_QUEUE, dev.host().queueSize(0), "QueueNum back to QueueNumMax");
        assertTrue(dev.host().queueInReset(0));
        // Buffers posted on the old ring are never used and raise nothing.
        echo.notified.set(0);
        int before = raised.get();
        assertTrue(old.add(new long[] {BUFFERS}, new int[] {8}, new boolean[] {true}, 1, false) >= 0);
        reg(QUEUE_NOTIFY, 0);
        assertEquals(0, echo.notified.get(), "no notification for a reset queue reaches the device");
        assertEquals(0, reg(INTERRUPT_STATUS));
        assertEquals(before, raised.get());
        assertFalse(old.pollUsed());

        // Re-enable with a smaller ring elsewhere, as the driver does after the reset.
        QueueDriver fresh = driver.resetQueue(0, features, 4);
        assertNotEquals(oldDesc, fresh.descArea().value());
        reg(QUEUE_SEL, 0);
        assertEquals(1, reg(QUEUE_READY));
        assertEquals(0, reg(QUEUE_RESET));
        assertEquals(4, dev.host().queueSize(0));
        for (int i = 0; i < 6; i++) { // more than the new size: the device wraps the new ring
            echo.notified.set(0);
            echoRoundTrip(fresh, "after " + i);
        }
        assertFalse(old.pollUsed(), "the old ring stays untouched");
    }

    @Test
    void s4_2_2_queueResetWithoutRingResetNegotiatedIsIgnored() throws Exception {
        long features = driver.initialize(VirtioFeatures.bit(VirtioFeatures.VERSION_1), 16);
        assertFalse(VirtioFeatures.has(features, VirtioFeatures.RING_RESET));
        reg(QUEUE_SEL, 0);
        reg(QUEUE_RESET, 1);
        assertEquals(0, reg(QUEUE_RESET));
        assertEquals(1, reg(QUEUE_READY), "the queue stays enabled");
        assertFalse(dev.host().queueInReset(0));
        reg(QUEUE_READY, 0);
        assertEquals(1, reg(QUEUE_READY), "QueueReady stays read-only after DRIVER_OK");
        echoRoundTrip(driver.queues.get(0), "unchanged");
    }

    @Test
    void takesAHostMadeElsewhere() {
        VirtioMmioDevice other = VirtioMmioDevice.over(
                sink -> org.virtio.core.transport.VirtioDeviceHost.create(new EchoDevice(), ram, sink, null, "test/echo1"),
                InterruptTrigger.NONE);
        assertEquals(EchoDevice.TYPE, other.read(DEVICE_ID, 4));
    }
}
