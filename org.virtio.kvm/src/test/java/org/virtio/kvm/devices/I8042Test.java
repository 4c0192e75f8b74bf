package org.virtio.kvm.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The i8042: reset command, the probe's commands, and only ports 0x60 and 0x64 claimed. */
class I8042Test {
    final AtomicInteger resets = new AtomicInteger();
    final PortIoBus bus = new PortIoBus();
    I8042 kbc;

    @BeforeEach
    void controller() {
        kbc = new I8042(resets::incrementAndGet).attach(bus);
    }

    int status() {
        return bus.in(0x64, 1);
    }

    @Test
    void pulseResetCommandCallsTheResetCallback() {
        bus.out(0x64, 1, 0xfe);
        assertEquals(1, resets.get());
        assertEquals(1, kbc.resets());
    }

    @Test
    void writingTheOutputPortWithTheResetBitLowResets() {
        bus.out(0x64, 1, 0xd0);
        assertEquals(0x03, bus.in(0x60, 1));
        bus.out(0x64, 1, 0xd1);
        bus.out(0x60, 1, 0x03);
        assertEquals(0, resets.get());
        bus.out(0x64, 1, 0xd1);
        bus.out(0x60, 1, 0x02);
        assertEquals(1, resets.get());
        bus.out(0x64, 1, 0xff); // odd: pulses no reset line
        assertEquals(1, resets.get());
    }

    @Test
    void statusReportsTheOutputBufferAndTheLastWriteKind() {
        assertEquals(0x14, status(), "system flag, keyboard unlocked, buffer empty");
        bus.out(0x64, 1, 0xaa);
        assertEquals(0x1d, status(), "OBF | SYS | CMD | unlocked");
        assertEquals(0x55, bus.in(0x60, 1), "self-test passed");
        assertEquals(0x1c, status() & 0x1d, "reading data empties the buffer");
        bus.out(0x64, 1, 0xab);
        assertEquals(0x00, bus.in(0x60, 1));
        bus.out(0x64, 1, 0xa9);
        assertEquals(0x01, bus.in(0x60, 1), "no auxiliary device");
    }

    @Test
    void commandByteCanBeReadAndWritten() {
        bus.out(0x64, 1, 0x20);
        assertEquals(0x45, bus.in(0x60, 1));
        bus.out(0x64, 1, 0x60);
        bus.out(0x60, 1, 0x65);
        assertEquals(0, status() & 0x08, "the data write clears the command flag");
        bus.out(0x64, 1, 0x20);
        assertEquals(0x65, bus.in(0x60, 1));
        bus.out(0x64, 1, 0xa8);
        bus.out(0x64, 1, 0xae);
        assertEquals(0x45, kbc.commandByte(), "aux and keyboard enabled");
        bus.out(0x64, 1, 0xa7);
        bus.out(0x64, 1, 0xad);
        assertEquals(0x75, kbc.commandByte(), "aux and keyboard disabled");
        bus.out(0x64, 1, 0x60);
        bus.out(0x60, 1, 0x40);
        assertEquals(0, status() & 0x04, "the system flag follows the command byte");
    }

    @Test
    void keyboardBytesAndUnknownCommandsAreIgnored() {
        bus.out(0x60, 1, 0xf2);
        bus.out(0x64, 1, 0xc0);
        assertEquals(2, kbc.ignored());
        assertEquals(0, status() & 0x01);
        assertEquals(0, resets.get());
    }

    @Test
    void onlyPorts60And64AreClaimed() {
        assertEquals(0xff, bus.in(0x61, 1));
        assertEquals(0xff, bus.in(0x62, 1));
        assertEquals(0xff, bus.in(0x63, 1));
        assertEquals(0xffff, bus.in(0x60, 2));
        assertEquals(4, bus.unclaimedReads());
    }
}
