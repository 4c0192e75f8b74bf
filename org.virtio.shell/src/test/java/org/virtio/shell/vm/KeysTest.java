package org.virtio.shell.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jline.terminal.Attributes.LocalFlag;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.Test;

/** Keys from a jline terminal in raw mode (what an SSH session has) and from a plain stream. */
class KeysTest {

    @Test
    void rawModeDeliversEachKeyAtOnceWithoutEchoAndRestoresTheTerminal() throws Exception {
        PipedOutputStream typed = new PipedOutputStream();
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        try (ExternalTerminal terminal = new ExternalTerminal("test", "xterm", new PipedInputStream(typed), shown,
                StandardCharsets.UTF_8)) {
            assertTrue(terminal.getAttributes().getLocalFlag(LocalFlag.ICANON), "a shell terminal starts cooked");
            byte[] buffer = new byte[8];
            try (Keys keys = new Keys.Raw(terminal)) {
                assertFalse(terminal.getAttributes().getLocalFlag(LocalFlag.ICANON));
                assertEquals(0, keys.read(buffer, 50), "no key yet: a timeout, not a block");
                typed.write("a\u00e9\u001d".getBytes(StandardCharsets.UTF_8)); // no newline: raw mode needs none
                typed.flush();
                assertArrayEquals(new byte[] {'a'}, read(keys, buffer));
                assertArrayEquals("\u00e9".getBytes(StandardCharsets.UTF_8), read(keys, buffer));
                assertArrayEquals(new byte[] {0x1d}, read(keys, buffer));
            }
            assertTrue(terminal.getAttributes().getLocalFlag(LocalFlag.ICANON), "cooked mode is back");
            assertEquals("", shown.toString(StandardCharsets.UTF_8), "nothing echoed while attached");
        }
    }

    @Test
    void aPlainStreamIsPolledWithAvailable() throws Exception {
        Keys keys = new Keys.Polled(new ByteArrayInputStream("xy".getBytes(StandardCharsets.US_ASCII)));
        byte[] buffer = new byte[8];
        assertEquals(2, keys.read(buffer, 10));
        assertEquals(0, keys.read(buffer, 10), "available() is 0: a timeout");
    }

    private static byte[] read(Keys keys, byte[] buffer) throws Exception {
        int n = 0;
        for (int i = 0; i < 100 && n == 0; i++) {
            n = keys.read(buffer, 100);
        }
        return Arrays.copyOf(buffer, n);
    }
}
