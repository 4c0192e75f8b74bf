package org.virtio.device.input.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** Every key code and name agrees with Linux {@code input-event-codes.h} (read at test time). */
class KeyCodesHeaderTest {
    private static final Path HEADER = Path.of("/usr/include/linux/input-event-codes.h");

    static Map<String, Integer> header() throws IOException {
        assumeTrue(Files.isReadable(HEADER), HEADER + " absent (package linux-libc-dev)");
        Map<String, Integer> defs = new HashMap<>();
        Matcher m = Pattern.compile("#define\\s+([A-Z0-9_]+)\\s+(0x[0-9a-fA-F]+|\\d+)\\b").matcher(Files.readString(HEADER));
        while (m.find()) {
            defs.putIfAbsent(m.group(1), Integer.decode(m.group(2)));
        }
        return defs;
    }

    @Test
    void everySupportedKeyMatchesTheHeader() throws IOException {
        Map<String, Integer> h = header();
        int[] codes = KeyCodes.supportedCodes();
        assertEquals(106, codes.length);
        for (int code : codes) {
            String name = KeyCodes.name(code);
            assertEquals(h.get(name), code, name);
            assertEquals(code, KeyCodes.code(name));
        }
        for (String name : new String[] {"KEY_ESC", "KEY_BACKSPACE", "KEY_TAB", "KEY_ENTER", "KEY_LEFTCTRL", "KEY_A",
            "KEY_LEFTSHIFT", "KEY_SPACE", "KEY_CAPSLOCK"}) {
            assertTrue(KeyCodes.isSupported(h.get(name)), name);
        }
        assertEquals(h.get("KEY_ESC"), KeyCodes.KEY_ESC);
        assertEquals(h.get("KEY_BACKSPACE"), KeyCodes.KEY_BACKSPACE);
        assertEquals(h.get("KEY_TAB"), KeyCodes.KEY_TAB);
        assertEquals(h.get("KEY_ENTER"), KeyCodes.KEY_ENTER);
        assertEquals(h.get("KEY_LEFTCTRL"), KeyCodes.KEY_LEFTCTRL);
        assertEquals(h.get("KEY_A"), KeyCodes.KEY_A);
        assertEquals(h.get("KEY_LEFTSHIFT"), KeyCodes.KEY_LEFTSHIFT);
        assertEquals(h.get("KEY_SPACE"), KeyCodes.KEY_SPACE);
        assertEquals(h.get("KEY_CAPSLOCK"), KeyCodes.KEY_CAPSLOCK);
    }

    @Test
    void lettersDigitsEnterSpaceAreSupported() throws IOException {
        Map<String, Integer> h = header();
        for (char c = 'A'; c <= 'Z'; c++) {
            assertEquals(h.get("KEY_" + c), KeyCodes.code(String.valueOf(c)));
            assertEquals(h.get("KEY_" + c), KeyCodes.code("key_" + Character.toLowerCase(c)));
        }
        for (int d = 0; d <= 9; d++) {
            assertEquals(h.get("KEY_" + d), KeyCodes.code("KEY_" + d));
        }
        assertEquals(h.get("KEY_ENTER"), KeyCodes.code("enter"));
        assertEquals(h.get("KEY_SPACE"), KeyCodes.code(" Space "));
    }

    @Test
    void unknownNamesAndCodes() {
        assertEquals(-1, KeyCodes.code("KEY_NOPE"));
        assertEquals(-1, KeyCodes.code(""));
        assertEquals(-1, KeyCodes.code(null));
        assertEquals(-1, KeyCodes.code("KEY_RESERVED"));
        assertFalse(KeyCodes.isSupported(0));
        assertFalse(KeyCodes.isSupported(84));
        assertFalse(KeyCodes.isSupported(-1));
        assertFalse(KeyCodes.isSupported(128));
    }
}
