package org.virtio.kvm.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The CMOS RTC and RAM from a fixed clock: Thursday 2026-11-26 13:45:07 UTC. */
class CmosTest {
    final Clock clock = Clock.fixed(Instant.parse("2026-11-26T13:45:07Z"), ZoneOffset.UTC);
    final PortIoBus bus = new PortIoBus();
    Cmos cmos;

    @BeforeEach
    void cmos() {
        cmos = new Cmos(clock).attach(bus);
    }

    int read(int index) {
        bus.out(0x70, 1, index);
        return bus.in(0x71, 1);
    }

    void write(int index, int value) {
        bus.out(0x70, 1, index);
        bus.out(0x71, 1, value);
    }

    @Test
    void timeRegistersReadBcdIn24HourModeByDefault() {
        assertEquals(0x07, read(0x00));
        assertEquals(0x45, read(0x02));
        assertEquals(0x13, read(0x04));
        assertEquals(0x05, read(0x06), "Thursday (1 = Sunday)");
        assertEquals(0x26, read(0x07));
        assertEquals(0x11, read(0x08));
        assertEquals(0x26, read(0x09));
        assertEquals(0x20, read(0x32));
    }

    @Test
    void statusRegisters() {
        assertEquals(0x26, read(0x0a), "update-in-progress clear");
        assertEquals(0x02, read(0x0b), "24-hour, BCD");
        assertEquals(0x00, read(0x0c));
        assertEquals(0x80, read(0x0d), "RAM valid");
        write(0x0a, 0xa6);
        assertEquals(0, read(0x0a) & 0x80, "the guest cannot set update-in-progress");
    }

    @Test
    void statusBSelectsBinaryAnd12HourFormats() {
        write(0x0b, 0x06);
        assertEquals(7, read(0x00));
        assertEquals(13, read(0x04));
        assertEquals(26, read(0x09));
        write(0x0b, 0x00);
        assertEquals(0x81, read(0x04), "1 PM in BCD");
        write(0x0b, 0x04);
        assertEquals(0x81, read(0x04), "1 PM in binary");
    }

    @Test
    void theNmiBitIsNotPartOfTheIndex() {
        bus.out(0x70, 1, 0x80 | 0x00);
        assertEquals(0, cmos.index());
        assertTrue(cmos.nmiDisabled());
        assertEquals(0x07, bus.in(0x71, 1));
        bus.out(0x70, 1, 0x09);
        assertFalse(cmos.nmiDisabled());
        assertEquals(0x26, bus.in(0x71, 1));
        assertEquals(0xff, bus.in(0x70, 1), "the index port is write-only");
    }

    @Test
    void plainRamHoldsBytes() {
        write(0x40, 0x5a);
        write(0xff, 0xa5); // index 0x7f with NMI masked
        assertEquals(0x5a, read(0x40));
        assertEquals(0xa5, read(0x7f));
        cmos.setRam(0x34, 0x12);
        assertEquals(0x12, read(0x34));
        assertThrows(IllegalArgumentException.class, () -> cmos.setRam(0x00, 1));
    }

    @Test
    void writingATimeRegisterMovesTheClock() {
        write(0x00, 0x30);
        assertEquals(0x30, read(0x00));
        assertEquals(0x45, read(0x02));
        write(0x09, 0x27);
        assertEquals(0x27, read(0x09));
        assertEquals(0x20, read(0x32));
        write(0x00, 0x7a); // not BCD: ignored
        write(0x08, 0x13); // month 13: ignored
        assertEquals(0x30, read(0x00));
        assertEquals(0x11, read(0x08));
    }

    @Test
    void theWholeRangeIsDecodedAsBytes() {
        bus.out(0x70, 2, 0x0000); // 0x70 = index 0, 0x71 = write 0 to seconds
        assertEquals(0x00, read(0x00));
        assertEquals(0xffff, bus.in(0x72, 2), "0x72 is not ours");
    }
}
