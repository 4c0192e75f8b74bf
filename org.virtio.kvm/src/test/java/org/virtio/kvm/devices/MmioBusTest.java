package org.virtio.kvm.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.virtio.kvm.api.MmioHandler;

/** The MMIO bus: dispatch by range, overlap checks, all-ones for unclaimed addresses. */
class MmioBusTest {

    static final class Recorder implements MmioHandler {
        final List<String> log = new ArrayList<>();

        @Override
        public long read(long address, int length) {
            log.add("read " + Long.toHexString(address) + "/" + length);
            return address;
        }

        @Override
        public void write(long address, int length, long value) {
            log.add("write " + Long.toHexString(address) + "/" + length + "=" + Long.toHexString(value));
        }
    }

    @Test
    void dispatchesByRangeAndAnswersUnclaimedWithAllOnes() {
        MmioBus bus = new MmioBus();
        Recorder dev = new Recorder();
        bus.register(0xd000_0000L, 0x200, dev);
        assertEquals(0xd000_0100L, bus.read(0xd000_0100L, 4));
        bus.write(0xd000_01f8L, 8, 0x1122_3344_5566_7788L);
        assertEquals(List.of("read d0000100/4", "write d00001f8/8=1122334455667788"), dev.log);

        assertEquals(0xffL, bus.read(0xd000_0200L, 1));
        assertEquals(0xffff_ffffL, bus.read(0xcfff_fffcL, 4));
        assertEquals(-1L, bus.read(0xd000_01fcL, 8)); // straddles the end
        bus.write(0xe000_0000L, 4, 1);
        assertEquals(3, bus.unclaimedReads());
        assertEquals(1, bus.unclaimedWrites());
    }

    @Test
    void overlapsAreRejected() {
        MmioBus bus = new MmioBus();
        bus.register(0x1000, 0x1000, new Recorder());
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x1fff, 1, new Recorder()));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0, 0x1001, new Recorder()));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x3000, 0, new Recorder()));
        assertThrows(IllegalArgumentException.class, () -> bus.register(Long.MAX_VALUE, 2, new Recorder()));
        bus.register(0x2000, 0x1000, new Recorder());
    }
}
