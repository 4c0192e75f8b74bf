package org.virtio.vmm.internal;

import java.util.ArrayList;
import java.util.List;

/** Collects validation errors of one configuration, each as {@code <file or PID>: <key>: <reason>}. */
final class ConfigErrors {
    private final String source;
    private final List<String> errors = new ArrayList<>();

    ConfigErrors(String source) {
        this.source = source;
    }

    void add(String key, String reason) {
        errors.add(source + ": " + key + ": " + reason);
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    List<String> list() {
        return List.copyOf(errors);
    }

    String source() {
        return source;
    }

    /** @return the value as an int within [min, max], or {@code def} when absent; records an error otherwise */
    int intValue(Object value, String key, int def, int min, int max) {
        if (value == null) {
            return def;
        }
        long v;
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            v = ((Number) value).longValue();
        } else if (value instanceof String s) {
            try {
                v = Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                add(key, "must be an integer, got \"" + s + "\"");
                return def;
            }
        } else {
            add(key, "must be an integer, got " + describe(value));
            return def;
        }
        if (v < min || v > max) {
            add(key, "must be between " + min + " and " + max + ", got " + v);
            return def;
        }
        return (int) v;
    }

    /** @return the value as a boolean ("true"/"false" in any case), or {@code def} when absent */
    boolean booleanValue(Object value, String key, boolean def) {
        if (value == null) {
            return def;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s) {
            String t = s.trim();
            if (t.equalsIgnoreCase("true")) {
                return true;
            }
            if (t.equalsIgnoreCase("false")) {
                return false;
            }
            add(key, "must be true or false, got \"" + s + "\"");
            return def;
        }
        add(key, "must be true or false, got " + describe(value));
        return def;
    }

    /** @return the value as a string, or null when absent or not a string (recorded) */
    String stringValue(Object value, String key) {
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s;
        }
        add(key, "must be a string, got " + describe(value));
        return null;
    }

    static String describe(Object value) {
        if (value.getClass().isArray()) {
            return "an array (" + value.getClass().getComponentType().getSimpleName() + "[])";
        }
        return "a " + value.getClass().getSimpleName() + " (" + value + ")";
    }
}
