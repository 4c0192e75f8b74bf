package org.virtio.itest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SimulatedDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;
import org.virtio.core.transport.VirtioDeviceHost;

/**
 * The blk bundle's factory service inside the framework: a device over a real image file takes a
 * 512-byte write (VIRTIO_BLK_T_OUT) from the simulated driver, the bytes land in the file, and a read
 * (VIRTIO_BLK_T_IN) returns them (VirtIO 1.3 §5.2.6).
 */
class BlkFactoryServiceTest {
    private static final long RAM = 1 << 20;
    private static final int T_IN = 0;
    private static final int T_OUT = 1;

    @InjectService(filter = "(" + VirtioDeviceFactory.TYPE_PROPERTY + "=blk)")
    VirtioDeviceFactory blk;

    @Test
    void aSectorWrittenThroughTheServiceReachesTheImageAndReadsBack() throws Exception {
        assertEquals(DeviceType.BLOCK, blk.deviceType());
        Path image = Files.createTempFile("itest-blk", ".img");
        try {
            Files.write(image, new byte[64 * 1024]);
            VirtioDevice device = blk.create(Map.of("path", image.toString()));
            try (GuestRam ram = GuestRam.builder().memfd("itest-blk-ram", GuestAddress.of(0), RAM).build();
                    AutoCloseable closeable = device instanceof AutoCloseable c ? c : () -> { }) {
                SimulatedDriver driver = new SimulatedDriver(ram, GuestAddress.of(0), RAM);
                VirtioDeviceHost host = driver.attach(device, null, "itest/blk0");
                assertTrue(driver.initialize(VirtioFeatures.bit(VirtioFeatures.VERSION_1), 16), "init: " + host);
                byte[] sector = new byte[512];
                for (int i = 0; i < sector.length; i++) {
                    sector[i] = (byte) (i * 7 + 3);
                }
                assertEquals(0, request(ram, driver, T_OUT, 3, sector), "OUT status");
                byte[] onDisk = new byte[512];
                System.arraycopy(Files.readAllBytes(image), 3 * 512, onDisk, 0, 512);
                assertArrayEquals(sector, onDisk, "the write reached the image file");
                byte[] back = new byte[512];
                assertEquals(0, request(ram, driver, T_IN, 3, back), "IN status");
                assertArrayEquals(sector, back, "the read returns what was written");
                host.setStatus(0);
            }
        } finally {
            Files.deleteIfExists(image);
        }
    }

    /** One request: header, 512 data bytes (written for OUT, filled for IN), status byte. */
    private static int request(GuestRam ram, SimulatedDriver driver, int type, long sector, byte[] data) throws Exception {
        GuestAddress header = driver.allocate(16, 16);
        GuestAddress buffer = driver.allocate(512, 16);
        GuestAddress status = driver.allocate(1, 1);
        MemorySegment h = ram.slice(header.value(), 16, org.virtio.core.memory.Access.WRITE);
        h.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, type);
        h.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4, 0);
        h.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8, sector);
        if (type == T_OUT) {
            ram.write(buffer.value(), MemorySegment.ofArray(data), 0, 512);
        }
        ram.writeByte(status.value(), (byte) 0xff);
        QueueDriver q = driver.queue(0);
        int id = q.add(new long[] {header.value(), buffer.value(), status.value()}, new int[] {16, 512, 1},
                new boolean[] {false, type == T_IN, true}, 3, false);
        assertTrue(id >= 0, "ring full");
        driver.kick(0);
        assertTrue(q.pollUsed(), "no used buffer");
        assertEquals(id, q.usedId());
        if (type == T_IN) {
            ram.read(buffer.value(), MemorySegment.ofArray(data), 0, 512);
        }
        return ram.readByte(status.value());
    }
}
