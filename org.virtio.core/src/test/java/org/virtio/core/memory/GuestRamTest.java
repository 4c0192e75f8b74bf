package org.virtio.core.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.virtio.core.internal.memory.HostMemory;

class GuestRamTest {

    @Test
    void littleEndianAccessorsRoundTrip() throws Exception {
        try (GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0x1000), 0x1000).build()) {
            ram.writeLong(0x1000, 0x0102030405060708L);
            assertEquals(0x08, ram.readByte(0x1000));
            assertEquals((short) 0x0708, ram.readShort(0x1000));
            assertEquals(0x05060708, ram.readInt(0x1000));
            assertEquals(0x0102030405060708L, ram.readLong(0x1000));
            ram.writeShort(0x1ffe, (short) 0xbeef);
            assertEquals((short) 0xbeef, ram.readShort(0x1ffe));
        }
    }

    @Test
    void rangesOutsideRegionsAreRefused() {
        try (GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0x1000), 0x1000)
                .anonymous(GuestAddress.of(0x4000), 0x1000).build()) {
            assertEquals(MemoryError.OUT_OF_RANGE, assertThrows(GuestMemoryException.class, () -> ram.readByte(0xfff)).error());
            assertEquals(MemoryError.OUT_OF_RANGE, assertThrows(GuestMemoryException.class, () -> ram.readInt(0x1ffe)).error());
            assertEquals(MemoryError.OUT_OF_RANGE, assertThrows(GuestMemoryException.class, () -> ram.readByte(0x2000)).error());
            // A range may not straddle two regions, even adjacent-looking ones.
            assertFalse(ram.check(0x1800, 0x3000, Access.READ));
            assertTrue(ram.check(0x4000, 0x1000, Access.WRITE));
            assertTrue(ram.check(0x4fff, 1, Access.READ));
            assertFalse(ram.check(0x4fff, 2, Access.READ));
        }
    }

    @Test
    void overflowingRangesAreRefused() {
        try (GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), 0x1000).build()) {
            assertEquals(MemoryError.OVERFLOW,
                    assertThrows(GuestMemoryException.class, () -> ram.regionIndex(-16L, 0x100, Access.READ)).error());
            assertEquals(MemoryError.OVERFLOW,
                    assertThrows(GuestMemoryException.class, () -> ram.regionIndex(0, -1, Access.READ)).error());
            assertEquals(MemoryError.OUT_OF_RANGE,
                    assertThrows(GuestMemoryException.class, () -> ram.regionIndex(0x800, Long.MAX_VALUE, Access.READ)).error());
        }
    }

    @Test
    void readOnlyRegionsRefuseWrites() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rom = arena.allocate(0x1000, 4096);
            rom.set(ValueLayout.JAVA_BYTE, 0, (byte) 42);
            try (GuestRam ram = GuestRam.builder().segment(GuestAddress.of(0x10000), rom, true).build()) {
                assertEquals(42, ram.readByte(0x10000));
                assertEquals(MemoryError.READ_ONLY,
                        assertThrows(GuestMemoryException.class, () -> ram.writeByte(0x10000, (byte) 1)).error());
                assertEquals(42, rom.get(ValueLayout.JAVA_BYTE, 0));
            }
        }
    }

    @Test
    void overlappingRegionsAreRejectedAtBuildTime() {
        GuestRam.Builder b = GuestRam.builder().anonymous(GuestAddress.of(0x1000), 0x2000)
                .anonymous(GuestAddress.of(0x2000), 0x1000);
        assertThrows(IllegalArgumentException.class, b::build);
        assertThrows(IllegalArgumentException.class, () -> GuestRam.builder().build());
        assertThrows(ArithmeticException.class,
                () -> GuestRam.builder().anonymous(GuestAddress.of(-4096L), 0x2000));
    }

    @Test
    void slicesAreBoundedToTheCheckedRange() throws Exception {
        try (GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), 0x1000).build()) {
            MemorySegment s = ram.slice(0x100, 16, Access.WRITE);
            assertEquals(16, s.byteSize());
            assertThrows(IndexOutOfBoundsException.class, () -> s.get(ValueLayout.JAVA_BYTE, 16));
            s.set(ValueLayout.JAVA_BYTE, 15, (byte) 7);
            assertEquals(7, ram.readByte(0x10f));
        }
    }

    @Test
    void memfdRegionIsARealSharedMemfd() throws Exception {
        try (GuestRam ram = GuestRam.builder().memfd("guest-ram-test", GuestAddress.of(0), 1 << 20).build()) {
            MemoryRegion region = ram.regions().get(0);
            int fd = region.memfd().orElseThrow();
            Path link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
            assertTrue(link.toString().startsWith("/memfd:guest-ram-test"), link.toString());
            // A second, independent mapping of the fd (as KVM or a vhost-user peer would make) sees guest writes.
            byte[] data = {1, 2, 3, 4, 5, 6, 7, 8};
            ram.write(0x8000, MemorySegment.ofArray(data), 0, data.length);
            MemorySegment other = HostMemory.mapShared(fd, 1 << 20);
            try {
                byte[] seen = new byte[8];
                MemorySegment.copy(other, ValueLayout.JAVA_BYTE, 0x8000, seen, 0, 8);
                assertArrayEquals(data, seen);
                other.set(ValueLayout.JAVA_BYTE, 0x9000, (byte) 99);
                assertEquals(99, ram.readByte(0x9000));
            } finally {
                HostMemory.unmap(other);
            }
        }
    }

    @Test
    void closingReleasesTheMemfd() throws Exception {
        long before = countFds();
        for (int i = 0; i < 20; i++) {
            GuestRam.builder().memfd("leak-check", GuestAddress.of(0), 1 << 16).build().close();
        }
        assertEquals(before, countFds());
    }

    @Test
    void aFailingBuilderReleasesWhatItHadMapped() throws Exception {
        long before = countFds();
        for (int i = 0; i < 10; i++) {
            GuestRam.Builder b = GuestRam.builder().memfd("abort-check", GuestAddress.of(0), 1 << 16)
                    .memfd("abort-check", GuestAddress.of(0x8000), 1 << 16);
            assertThrows(IllegalArgumentException.class, b::build);
            assertThrows(IllegalArgumentException.class,
                    () -> GuestRam.builder().memfd("abort-check", GuestAddress.of(0), 1 << 16).memfd("x", GuestAddress.of(1 << 20), 100));
        }
        assertEquals(before, countFds());
    }

    private static long countFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void guestAddressArithmeticIsChecked() {
        assertEquals(GuestAddress.of(0x1010), GuestAddress.of(0x1000).plus(0x10));
        assertThrows(ArithmeticException.class, () -> GuestAddress.of(-1L).plus(1));
        assertTrue(GuestAddress.of(-1L).compareTo(GuestAddress.of(1)) > 0);
    }
}
