package org.virtio.shell.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.virtio.shell.testing.Printed;

/** The relay between the vCPU thread and the terminal: bounded, in order, drops counted. */
class ConsoleRelayTest {

    @Test
    void keepsOrderAcrossTheRingsWrapAndCountsWhatDidNotFit() throws Exception {
        ConsoleRelay relay = new ConsoleRelay(8);
        Printed to = new Printed();
        relay.write("abcdef".getBytes(), 0, 6);
        assertEquals(6, relay.drainTo(to.stream, 0, TimeUnit.MILLISECONDS));
        relay.write("ghijklmnop".getBytes(), 0, 10);
        assertEquals(2, relay.dropped());
        relay.drainTo(to.stream, 0, TimeUnit.MILLISECONDS);
        assertEquals("abcdefghijklmn", to.text());
        assertEquals(0, relay.drainTo(to.stream, 0, TimeUnit.MILLISECONDS));
    }
}
