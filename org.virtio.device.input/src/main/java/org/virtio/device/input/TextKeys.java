package org.virtio.device.input;

import org.virtio.device.input.api.KeyCodes;

/**
 * Characters to keys on a US layout, for {@code KeyboardInput.type}: each printable ASCII character, newline
 * (Enter) and tab maps to one key code, with left shift held or not.
 */
final class TextKeys {
    /** Bit set in a mapping when shift must be held. */
    static final int SHIFT = 0x100;
    /** Pairs of (unshifted, shifted) characters on the punctuation keys, and the key names. */
    private static final String UNSHIFTED = "1234567890-=[];'`\\,./";
    private static final String SHIFTED = "!@#$%^&*()_+{}:\"~|<>?";
    private static final String[] KEYS = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "MINUS", "EQUAL",
        "LEFTBRACE", "RIGHTBRACE", "SEMICOLON", "APOSTROPHE", "GRAVE", "BACKSLASH", "COMMA", "DOT", "SLASH"};
    private static final int[] MAP = new int[128];

    static {
        java.util.Arrays.fill(MAP, -1);
        for (char c = 'a'; c <= 'z'; c++) {
            int code = KeyCodes.code(String.valueOf(c));
            MAP[c] = code;
            MAP[Character.toUpperCase(c)] = code | SHIFT;
        }
        for (int i = 0; i < KEYS.length; i++) {
            int code = KeyCodes.code(KEYS[i]);
            MAP[UNSHIFTED.charAt(i)] = code;
            MAP[SHIFTED.charAt(i)] = code | SHIFT;
        }
        MAP[' '] = KeyCodes.KEY_SPACE;
        MAP['\n'] = KeyCodes.KEY_ENTER;
        MAP['\t'] = KeyCodes.KEY_TAB;
    }

    private TextKeys() {
    }

    /**
     * @param c a character
     * @return its key code, with {@link #SHIFT} or'ed in when shift is needed; -1 when the layout has no key for it
     */
    static int forChar(char c) {
        return c < MAP.length ? MAP[c] : -1;
    }
}
