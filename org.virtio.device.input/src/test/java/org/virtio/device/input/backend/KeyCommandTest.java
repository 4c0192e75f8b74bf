package org.virtio.device.input.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.virtio.device.input.api.KeyCodes;
import org.virtio.device.input.api.KeyboardInput;

/** The key-command line language against a recording keyboard. */
class KeyCommandTest {

    /** Records calls; drops everything when {@code accept} is false. */
    static final class Recorder implements KeyboardInput {
        final List<String> calls = new ArrayList<>();
        boolean accept = true;

        @Override
        public boolean press(int code) {
            calls.add("press " + code);
            return accept;
        }

        @Override
        public boolean release(int code) {
            calls.add("release " + code);
            return accept;
        }

        @Override
        public int type(CharSequence text) {
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) > 0x7e) {
                    throw new IllegalArgumentException("character at index " + i + " cannot be typed");
                }
            }
            calls.add("type [" + text + "]");
            return accept ? text.length() : 1;
        }

        @Override
        public boolean ready() {
            return accept;
        }

        @Override
        public int leds() {
            return 5;
        }
    }

    private final Recorder kb = new Recorder();

    @Test
    void keysByNameOrCode() {
        assertEquals("ok", KeyCommand.execute("press KEY_A", kb));
        assertEquals("ok", KeyCommand.execute("  release a ", kb));
        assertEquals("ok", KeyCommand.execute("TAP enter", kb));
        assertEquals("ok", KeyCommand.execute("tap 57", kb));
        assertEquals(List.of("press 30", "release 30", "press 28", "release 28", "press 57", "release 57"), kb.calls);
    }

    @Test
    void typeTakesTheRestOfTheLineWithEscapes() {
        assertEquals("ok", KeyCommand.execute("type hello world  ", kb));
        assertEquals("ok", KeyCommand.execute("type ls -l\\n", kb));
        assertEquals("ok", KeyCommand.execute("Type a\\\\b\\tc", kb));
        assertEquals(List.of("type [hello world  ]", "type [ls -l\n]", "type [a\\b\tc]"), kb.calls);
    }

    @Test
    void repliesForDropsLedsAndReady() {
        kb.accept = false;
        assertEquals("dropped", KeyCommand.execute("press a", kb));
        assertEquals("dropped after 1 characters", KeyCommand.execute("type abc", kb));
        assertEquals("leds 5", KeyCommand.execute("leds", kb));
        assertEquals("ready false", KeyCommand.execute("ready", kb));
    }

    @Test
    void blankAndCommentLinesAreSilent() {
        assertNull(KeyCommand.execute("", kb));
        assertNull(KeyCommand.execute("   ", kb));
        assertNull(KeyCommand.execute("# press a", kb));
        assertTrue(kb.calls.isEmpty());
    }

    @Test
    void badLinesAreErrorsAndDoNothing() {
        String[] bad = {"press", "press KEY_NOPE", "press a b", "press 84", "press 99999999999", "release -1",
            "jump", "type", "type ", "type trailing\\", "type bad\\q", "type caf\u00e9", "leds now", "ready x",
            "\u0000\u0001"};
        for (String line : bad) {
            String reply = KeyCommand.execute(line, kb);
            assertTrue(reply != null && reply.startsWith("error: "), line + " -> " + reply);
            assertTrue(reply.chars().noneMatch(c -> c < 0x20), "control characters echoed: " + reply);
        }
        assertEquals(List.of(), kb.calls.stream().filter(c -> !c.startsWith("type")).toList());
        assertTrue(KeyCommand.execute(LineReader.TOO_LONG, kb).startsWith("error: line longer"));
        assertEquals(KeyCodes.KEY_A, KeyCommand.parseKey("30"));
    }
}
