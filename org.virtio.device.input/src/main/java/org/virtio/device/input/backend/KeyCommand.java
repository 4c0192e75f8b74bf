package org.virtio.device.input.backend;

import java.util.Locale;

import org.virtio.device.input.api.KeyCodes;
import org.virtio.device.input.api.KeyboardInput;

/**
 * The key-command line language, one command per line (blank lines and lines starting with {@code #} are
 * ignored):
 * <pre>
 * press KEY_A      press a key (name with or without KEY_, any case, or a decimal code)
 * release KEY_A    release it
 * tap enter        press and release
 * type hello\n     type the rest of the line verbatim on a US layout; escapes \n (Enter), \t (Tab), \\
 * leds             report the LED bits the guest set (bit 0 NumLock, 1 CapsLock, 2 ScrollLock)
 * ready            report whether the guest driver is running
 * </pre>
 * Replies: {@code ok}; {@code dropped} (or {@code dropped after N characters}) when the keyboard dropped an
 * event (driver not running, or its bounded queue full); {@code leds N}; {@code ready true|false};
 * {@code error: ...} naming what was wrong with the line. Lines are untrusted: nothing here throws.
 */
public final class KeyCommand {
    private KeyCommand() {
    }

    /**
     * @param line     one command line, or {@link LineReader#TOO_LONG}
     * @param keyboard the keyboard to drive
     * @return the reply, or null for a blank or comment line
     */
    public static String execute(String line, KeyboardInput keyboard) {
        if (line == LineReader.TOO_LONG) {
            return "error: line longer than " + LineReader.MAX_LINE + " bytes";
        }
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
            return null;
        }
        int space = trimmed.indexOf(' ');
        String verb = (space < 0 ? trimmed : trimmed.substring(0, space)).toLowerCase(Locale.ROOT);
        String arg = space < 0 ? "" : trimmed.substring(space + 1).strip();
        return switch (verb) {
            case "press", "release", "tap" -> key(verb, arg, keyboard);
            case "type" -> type(line.stripLeading().substring(verb.length()), keyboard);
            case "leds" -> arg.isEmpty() ? "leds " + keyboard.leds() : "error: leds takes no argument";
            case "ready" -> arg.isEmpty() ? "ready " + keyboard.ready() : "error: ready takes no argument";
            default -> "error: unknown command \"" + printable(verb) + "\"; use press, release, tap, type, leds or ready";
        };
    }

    private static String key(String verb, String arg, KeyboardInput keyboard) {
        if (arg.isEmpty() || arg.indexOf(' ') >= 0) {
            return "error: " + verb + " needs one key name or code";
        }
        int code = parseKey(arg);
        if (code < 0) {
            return "error: unknown key \"" + printable(arg) + "\"";
        }
        boolean ok = switch (verb) {
            case "press" -> keyboard.press(code);
            case "release" -> keyboard.release(code);
            default -> keyboard.tap(code);
        };
        return ok ? "ok" : "dropped";
    }

    /** @return the code of a key name or decimal code, or -1 */
    static int parseKey(String arg) {
        if (!arg.isEmpty() && arg.chars().allMatch(c -> c >= '0' && c <= '9')) {
            if (arg.length() > 4) {
                return -1;
            }
            int code = Integer.parseInt(arg);
            return KeyCodes.isSupported(code) ? code : -1;
        }
        return KeyCodes.code(arg);
    }

    /** @param raw what follows the verb: one separating space is dropped, the rest is typed verbatim */
    private static String type(String raw, KeyboardInput keyboard) {
        String text = raw.startsWith(" ") ? raw.substring(1) : raw;
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (++i == text.length()) {
                return "error: type text ends with a lone backslash";
            }
            switch (text.charAt(i)) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case '\\' -> b.append('\\');
                default -> {
                    return "error: unknown escape \\" + printable(String.valueOf(text.charAt(i))) + " in type text";
                }
            }
        }
        if (b.isEmpty()) {
            return "error: type needs text";
        }
        int typed;
        try {
            typed = keyboard.type(b);
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage();
        }
        return typed == b.length() ? "ok" : "dropped after " + typed + " characters";
    }

    /** @return s with control characters shown as '?' and cut to 40 characters, for replies and logs */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 40));
        for (int i = 0; i < s.length() && i < 40; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > 40 ? b + "..." : b.toString();
    }
}
