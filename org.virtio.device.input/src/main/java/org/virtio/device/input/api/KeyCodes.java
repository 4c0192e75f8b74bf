package org.virtio.device.input.api;

import java.util.Arrays;
import java.util.Locale;

/**
 * The key codes the virtio-input keyboard supports: Linux {@code input-event-codes.h} values (the event codes
 * VirtIO 1.3 §5.8 carries unchanged) for a standard 105-key PC keyboard: letters, digits, punctuation, Enter,
 * Space, Tab, Backspace, Escape, modifiers, F1–F12, the editing and arrow block, the keypad, Pause. Names are
 * the header's without the {@code KEY_} prefix; lookups accept either form, in any case.
 */
public final class KeyCodes {
    /** Largest key code this keyboard supports. */
    public static final int MAX_CODE = 127;
    /** {@code KEY_ESC}. */
    public static final int KEY_ESC = 1;
    /** {@code KEY_BACKSPACE}. */
    public static final int KEY_BACKSPACE = 14;
    /** {@code KEY_TAB}. */
    public static final int KEY_TAB = 15;
    /** {@code KEY_ENTER}. */
    public static final int KEY_ENTER = 28;
    /** {@code KEY_LEFTCTRL}. */
    public static final int KEY_LEFTCTRL = 29;
    /** {@code KEY_A}. */
    public static final int KEY_A = 30;
    /** {@code KEY_LEFTSHIFT}. */
    public static final int KEY_LEFTSHIFT = 42;
    /** {@code KEY_SPACE}. */
    public static final int KEY_SPACE = 57;
    /** {@code KEY_CAPSLOCK}. */
    public static final int KEY_CAPSLOCK = 58;

    private static final String[] NAMES = new String[MAX_CODE + 1];

    static {
        name(1, "ESC"); name(2, "1"); name(3, "2"); name(4, "3");
        name(5, "4"); name(6, "5"); name(7, "6"); name(8, "7");
        name(9, "8"); name(10, "9"); name(11, "0"); name(12, "MINUS");
        name(13, "EQUAL"); name(14, "BACKSPACE"); name(15, "TAB"); name(16, "Q");
        name(17, "W"); name(18, "E"); name(19, "R"); name(20, "T");
        name(21, "Y"); name(22, "U"); name(23, "I"); name(24, "O");
        name(25, "P"); name(26, "LEFTBRACE"); name(27, "RIGHTBRACE"); name(28, "ENTER");
        name(29, "LEFTCTRL"); name(30, "A"); name(31, "S"); name(32, "D");
        name(33, "F"); name(34, "G"); name(35, "H"); name(36, "J");
        name(37, "K"); name(38, "L"); name(39, "SEMICOLON"); name(40, "APOSTROPHE");
        name(41, "GRAVE"); name(42, "LEFTSHIFT"); name(43, "BACKSLASH"); name(44, "Z");
        name(45, "X"); name(46, "C"); name(47, "V"); name(48, "B");
        name(49, "N"); name(50, "M"); name(51, "COMMA"); name(52, "DOT");
        name(53, "SLASH"); name(54, "RIGHTSHIFT"); name(55, "KPASTERISK"); name(56, "LEFTALT");
        name(57, "SPACE"); name(58, "CAPSLOCK"); name(59, "F1"); name(60, "F2");
        name(61, "F3"); name(62, "F4"); name(63, "F5"); name(64, "F6");
        name(65, "F7"); name(66, "F8"); name(67, "F9"); name(68, "F10");
        name(69, "NUMLOCK"); name(70, "SCROLLLOCK"); name(71, "KP7"); name(72, "KP8");
        name(73, "KP9"); name(74, "KPMINUS"); name(75, "KP4"); name(76, "KP5");
        name(77, "KP6"); name(78, "KPPLUS"); name(79, "KP1"); name(80, "KP2");
        name(81, "KP3"); name(82, "KP0"); name(83, "KPDOT"); name(86, "102ND");
        name(87, "F11"); name(88, "F12"); name(96, "KPENTER"); name(97, "RIGHTCTRL");
        name(98, "KPSLASH"); name(99, "SYSRQ"); name(100, "RIGHTALT"); name(101, "LINEFEED");
        name(102, "HOME"); name(103, "UP"); name(104, "PAGEUP"); name(105, "LEFT");
        name(106, "RIGHT"); name(107, "END"); name(108, "DOWN"); name(109, "PAGEDOWN");
        name(110, "INSERT"); name(111, "DELETE"); name(119, "PAUSE"); name(125, "LEFTMETA");
        name(126, "RIGHTMETA"); name(127, "COMPOSE");
    }

    private KeyCodes() {
    }

    private static void name(int code, String name) {
        NAMES[code] = name;
    }

    /**
     * @param code a key code
     * @return whether this keyboard has the key
     */
    public static boolean isSupported(int code) {
        return code > 0 && code <= MAX_CODE && NAMES[code] != null;
    }

    /**
     * @param name a key name such as {@code KEY_A}, {@code a} or {@code enter}
     * @return its code, or -1 when this keyboard has no such key
     */
    public static int code(String name) {
        if (name == null) {
            return -1;
        }
        String n = name.strip().toUpperCase(Locale.ROOT);
        if (n.startsWith("KEY_")) {
            n = n.substring(4);
        }
        for (int c = 1; c <= MAX_CODE; c++) {
            if (n.equals(NAMES[c])) {
                return c;
            }
        }
        return -1;
    }

    /**
     * @param code a supported key code
     * @return its header name, e.g. {@code KEY_ENTER}
     * @throws IllegalArgumentException when the code is not supported
     */
    public static String name(int code) {
        if (!isSupported(code)) {
            throw new IllegalArgumentException("key code " + code + " is not supported");
        }
        return "KEY_" + NAMES[code];
    }

    /** @return every supported code, ascending */
    public static int[] supportedCodes() {
        int[] all = new int[MAX_CODE + 1];
        int n = 0;
        for (int c = 1; c <= MAX_CODE; c++) {
            if (NAMES[c] != null) {
                all[n++] = c;
            }
        }
        return Arrays.copyOf(all, n);
    }
}
