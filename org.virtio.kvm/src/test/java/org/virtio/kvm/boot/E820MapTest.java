package org.virtio.kvm.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;

/** The memory map both boot protocols hand to the guest. */
class E820MapTest {

    @Test
    void standardLayoutSplitsLowRamAroundTheEbdaAndBiosHole() {
        try (GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), 64L << 20).build()) {
            E820Map map = E820Map.standard(ram);
            assertEquals(List.of(new E820Map.Entry(0, 0x9fc00, E820Map.TYPE_RAM),
                    new E820Map.Entry(0x9fc00, 0x100000 - 0x9fc00, E820Map.TYPE_RESERVED),
                    new E820Map.Entry(0x100000, (64L << 20) - 0x100000, E820Map.TYPE_RAM)), map.entries());
            assertTrue(map.isRam(0x100000, 1 << 20));
            assertFalse(map.isRam(0x9f000, 0x1000), "crosses into the EBDA");
            assertFalse(map.isRam(64L << 20, 1), "past the end");
        }
    }

    @Test
    void gapsBetweenRegionsStayGaps() {
        try (GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), 3L << 20)
                .anonymous(GuestAddress.of(1L << 32), 1L << 20).build()) {
            E820Map map = E820Map.standard(ram);
            assertEquals(4, map.entries().size());
            assertEquals(new E820Map.Entry(1L << 32, 1L << 20, E820Map.TYPE_RAM), map.entries().get(3));
            assertFalse(map.isRam(3L << 20, 1));
            E820Map withMmio = map.with(new E820Map.Entry(0xd000_0000L, 0x1000_0000L, E820Map.TYPE_RESERVED));
            assertEquals(0xd000_0000L, withMmio.entries().get(3).address(), "sorted");
            assertThrows(IllegalArgumentException.class,
                    () -> map.with(new E820Map.Entry(0x1000, 0x1000, E820Map.TYPE_RESERVED)), "overlap");
        }
    }

    @Test
    void highestRamFindsTheTopAlignedRangeBelowTheLimit() {
        E820Map map = new E820Map(List.of(new E820Map.Entry(0, 0x9fc00, E820Map.TYPE_RAM),
                new E820Map.Entry(0x100000, 0x7f00000, E820Map.TYPE_RAM),
                new E820Map.Entry(1L << 32, 1L << 30, E820Map.TYPE_RAM)));
        assertEquals(0x8000000 - 0x3000, map.highestRam(0x2345, 0x1000, 1L << 32));
        assertEquals(0x9f000 - 0x1000, map.highestRam(0x1000, 0x1000, 0x100000));
        assertEquals(-1, map.highestRam(0x9000000, 0x1000, 1L << 32));
        assertThrows(IllegalArgumentException.class, () -> new E820Map.Entry(-1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new E820Map.Entry(Long.MAX_VALUE, 2, 1));
    }
}
