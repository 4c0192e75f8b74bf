package org.virtio.core.device;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Typed reading of a device's configuration properties (Config Admin, or a launcher's map), so every
 * device bundle rejects a bad value the same way: an {@link IllegalArgumentException} whose message starts
 * with the key. Config Admin hands values over as their declared types; files and command lines give
 * strings, so numbers and booleans are accepted in both forms.
 *
 * @since 1.1
 */
public final class DeviceProperties {
    private DeviceProperties() {
    }

    /**
     * @param key   the property key, for the message
     * @param value a non-null property value
     * @return the value as a string
     * @throws IllegalArgumentException when it is not a string
     */
    public static String string(String key, Object value) {
        if (value instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(key + ": expected a string, got " + value.getClass().getSimpleName());
    }

    /**
     * @param key   the property key, for the message
     * @param value a property value, or null
     * @param dflt  the value when absent
     * @return the value as a boolean: a Boolean, or the string "true" / "false" in any case
     * @throws IllegalArgumentException for anything else
     */
    public static boolean bool(String key, Object value, boolean dflt) {
        if (value == null) {
            return dflt;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s) {
            if (s.strip().equalsIgnoreCase("true")) {
                return true;
            }
            if (s.strip().equalsIgnoreCase("false")) {
                return false;
            }
        }
        throw new IllegalArgumentException(key + ": expected true or false, got " + value);
    }

    /**
     * @param key   the property key, for the message
     * @param value a non-null property value: an integral Number or a decimal string
     * @param min   smallest accepted value
     * @param max   largest accepted value
     * @return the value
     * @throws IllegalArgumentException when it is not an integer or outside [min, max]
     */
    public static int integer(String key, Object value, int min, int max) {
        long v;
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            v = ((Number) value).longValue();
        } else if (value instanceof String s) {
            try {
                v = Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": \"" + s + "\" is not an integer", e);
            }
        } else {
            throw new IllegalArgumentException(key + ": expected an integer, got " + value.getClass().getSimpleName()
                    + " " + value);
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + ": " + v + " is outside [" + min + ", " + max + "]");
        }
        return (int) v;
    }

    /**
     * @param key   the property key, for the message
     * @param value a non-blank path string
     * @return the path, stripped of surrounding white space
     * @throws IllegalArgumentException when the platform cannot represent it
     */
    public static Path path(String key, String value) {
        String v = value.strip();
        try {
            return Path.of(v);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(key + ": \"" + v + "\" is not a valid path: " + e.getReason(), e);
        }
    }

    /**
     * Checks that a file (regular or a device such as /dev/urandom) exists, is not a directory and is
     * readable by this process.
     *
     * @param key  the property key, for the message
     * @param path the file
     * @throws IllegalArgumentException naming what is wrong
     */
    public static void checkReadableFile(String key, Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(key + ": " + path + " does not exist");
        }
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException(key + ": " + path + " is a directory");
        }
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException(key + ": " + path + " is not readable");
        }
    }
}
