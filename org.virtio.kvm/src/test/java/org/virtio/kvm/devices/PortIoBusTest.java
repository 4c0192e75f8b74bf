package org.virtio.kvm.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.virtio.kvm.api.PortIoHandler;

/** The port I/O bus: dispatch by range, overlap checks, all-ones for unclaimed ports. */
class PortIoBusTest {

    /** Records accesses; reads answer the port number. */
    static final class Recorder implements PortIoHandler {
        final List<String> log = new ArrayList<>();

        @Override
        public int in(int port, int size) {
            log.add("in " + Integer.toHexString(port) + "/" + size);
            return port;
        }

        @Override
        public void out(int port, int size, int value) {
            log.add("out " + Integer.toHexString(port) + "/" + size + "=" + Integer.toHexString(value));
        }
    }

    @Test
    void unclaimedPortsReadAllOnesPerSizeAndWritesAreDroppedAndCounted() {
        PortIoBus bus = new PortIoBus();
        assertEquals(0xff, bus.in(0x80, 1));
        assertEquals(0xffff, bus.in(0x80, 2));
        assertEquals(0xffff_ffff, bus.in(0x80, 4));
        bus.out(0x80, 1, 0x12);
        assertEquals(3, bus.unclaimedReads());
        assertEquals(1, bus.unclaimedWrites());
    }

    @Test
    void accessesReachTheDeviceOwningTheirRangeWithTheAbsolutePort() {
        PortIoBus bus = new PortIoBus();
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        bus.register(0x3f8, 8, a).register(0x400, 1, b);
        assertEquals(0x3f8, bus.in(0x3f8, 1));
        assertEquals(0x3ff, bus.in(0x3ff, 1));
        bus.out(0x3fc, 4, 0xcafe);
        bus.out(0x400, 1, 7);
        assertEquals(List.of("in 3f8/1", "in 3ff/1", "out 3fc/4=cafe"), a.log);
        assertEquals(List.of("out 400/1=7"), b.log);
        assertEquals(0, bus.unclaimedReads() + bus.unclaimedWrites());
    }

    @Test
    void anAccessStraddlingARangesEndIsUnclaimed() {
        PortIoBus bus = new PortIoBus();
        Recorder a = new Recorder();
        bus.register(0x3f8, 8, a);
        assertEquals(0xffff, bus.in(0x3ff, 2));
        assertEquals(0xffff_ffff, bus.in(0x3f6, 4));
        assertTrue(a.log.isEmpty());
        assertEquals(2, bus.unclaimedReads());
    }

    @Test
    void overlappingOrInvalidRangesAreRejected() {
        PortIoBus bus = new PortIoBus();
        bus.register(0x70, 2, new Recorder());
        bus.register(0x72, 2, new Recorder()); // adjacent is fine
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x71, 1, new Recorder()));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x6f, 2, new Recorder()));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x60, 0x20, new Recorder()));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x70, 1, new Recorder()));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x80, 0, new Recorder()));
        assertThrows(IllegalArgumentException.class, () -> bus.register(-1, 1, new Recorder()));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0xffff, 2, new Recorder()));
        bus.register(0xffff, 1, new Recorder());
    }

    @Test
    void anUnregisteredDeviceNoLongerReceivesAccesses() {
        PortIoBus bus = new PortIoBus();
        Recorder a = new Recorder();
        bus.register(0x60, 1, a).register(0x64, 1, a);
        assertEquals(0x64, bus.in(0x64, 1));
        assertTrue(bus.unregister(a));
        assertFalse(bus.unregister(a));
        assertEquals(0xff, bus.in(0x64, 1));
        assertEquals(0xff, bus.in(0x60, 1));
        bus.register(0x60, 8, new Recorder()); // the ports are free again
    }

    @Test
    void manyRangesAreFoundByBinarySearch() {
        PortIoBus bus = new PortIoBus();
        List<Recorder> devices = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            Recorder r = new Recorder();
            devices.add(r);
            bus.register(0x1000 + (63 - i) * 0x10, 4, r); // registered in descending order
        }
        for (int i = 0; i < 64; i++) {
            int port = 0x1000 + (63 - i) * 0x10;
            assertEquals(port + 3, bus.in(port + 3, 1));
            assertEquals(0xff, bus.in(port + 4, 1));
            assertEquals(List.of("in " + Integer.toHexString(port + 3) + "/1"), devices.get(i).log);
        }
    }
}
