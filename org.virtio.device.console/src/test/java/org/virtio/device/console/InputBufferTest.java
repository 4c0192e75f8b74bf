package org.virtio.device.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The bounded pending-input ring on its own. */
class InputBufferTest {

    @Test
    void wrapsAndDropsOldest() {
        InputBuffer b = new InputBuffer(5);
        assertEquals(0, b.put(new byte[] {1, 2, 3}, 0, 3));
        assertEquals(1, b.put(new byte[] {4, 5, 6}, 0, 3));
        assertEquals(5, b.size());
        assertEquals(1 + 5, b.put(new byte[] {9, 9, 7, 8, 9, 10, 11}, 1, 6), "one byte of the input itself, plus all five held");
        assertEquals(5, b.size());
        assertEquals(5, b.clear());
        assertEquals(0, b.size());
    }

    @Test
    void capacityMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new InputBuffer(0));
    }
}
