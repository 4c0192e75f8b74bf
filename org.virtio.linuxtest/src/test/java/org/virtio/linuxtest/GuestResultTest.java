package org.virtio.linuxtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The console parser alone (no QEMU): what counts as a result line and what does not. */
class GuestResultTest {
    @Test
    void parsesResultLinesAndIgnoresEverythingElse() {
        String console = """
                [    0.7] PCI: Fatal: No config space access function found\r
                VTEST-INIT modules: virtio_blk\r
                VTEST blk-fs PASS 210 files written\r
                VTEST blk-verify FAIL 3 of 64 extents read back differently
                VTEST rng MAYBE not a status
                xx VTEST rng PASS not at the start of a line
                VTEST-SUM f1 abc
                VTEST-SUM f2 def
                VTEST blk-fs FAIL a later result wins
                """;
        List<GuestResult> r = GuestResult.parse(console);
        assertEquals(List.of(new GuestResult("blk-fs", "PASS", "210 files written"),
                new GuestResult("blk-verify", "FAIL", "3 of 64 extents read back differently"),
                new GuestResult("blk-fs", "FAIL", "a later result wins")), r);
        assertEquals("FAIL", GuestResult.find(r, "blk-fs").orElseThrow().status());
        assertTrue(GuestResult.find(r, "rng").isEmpty());
        assertEquals(List.of(List.of("f1", "abc"), List.of("f2", "def")), GuestResult.data(console, "VTEST-SUM"));
    }
}
