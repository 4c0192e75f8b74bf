package org.virtio.device.rng;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

import org.virtio.device.rng.backend.EntropySource;
import org.virtio.device.rng.backend.FileEntropySource;
import org.virtio.device.rng.backend.SecureRandomSource;

/**
 * Validated settings of one entropy device, parsed from {@link RngConfig} or from the properties given to
 * {@link RngDeviceFactory#create}. Every rejection is an {@link IllegalArgumentException} whose message
 * starts with the offending key.
 *
 * @param source             {@value #SECURE_RANDOM} or an absolute path to a readable file
 * @param maxBytesPerRequest the most bytes written into one request, 1 to {@value #MAX_BYTES_LIMIT}
 */
record RngSettings(String source, int maxBytesPerRequest) {
    /** Key of the entropy source. */
    static final String SOURCE = "source";
    /** Key of the per-request cap. */
    static final String MAX_BYTES_PER_REQUEST = "maxBytesPerRequest";
    /** The {@code source} value selecting {@link java.security.SecureRandom}. */
    static final String SECURE_RANDOM = "securerandom";
    /** Default cap: 64 KiB per request. */
    static final int DEFAULT_MAX_BYTES = 64 * 1024;
    /** Largest accepted cap: each device keeps a scratch buffer this large. */
    static final int MAX_BYTES_LIMIT = 1024 * 1024;

    /** SecureRandom, 64 KiB per request. */
    static final RngSettings DEFAULTS = new RngSettings(SECURE_RANDOM, DEFAULT_MAX_BYTES);

    RngSettings {
        source = checkSource(source);
        maxBytesPerRequest = checkMax(maxBytesPerRequest);
    }

    /**
     * @param config the factory's configuration
     * @return the settings it describes
     * @throws IllegalArgumentException naming the key when a value is invalid
     */
    static RngSettings of(RngConfig config) {
        return new RngSettings(config.source(), config.maxBytesPerRequest());
    }

    /**
     * @param properties per-device properties; missing keys take the defaults, unknown keys are ignored
     * @param defaults   the factory's settings
     * @return the device's settings
     * @throws IllegalArgumentException naming the key when a value is invalid
     */
    static RngSettings from(Map<String, ?> properties, RngSettings defaults) {
        Objects.requireNonNull(properties, "properties");
        Object source = properties.get(SOURCE);
        Object max = properties.get(MAX_BYTES_PER_REQUEST);
        return new RngSettings(source == null ? defaults.source : sourceString(source),
                max == null ? defaults.maxBytesPerRequest : maxInt(max));
    }

    /** @return a new, closed entropy source as {@link #source} names it */
    EntropySource newSource() {
        return SECURE_RANDOM.equals(source) ? new SecureRandomSource() : new FileEntropySource(Path.of(source));
    }

    private static String sourceString(Object value) {
        if (value instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(SOURCE + ": expected a string, got " + value.getClass().getSimpleName());
    }

    private static String checkSource(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(SOURCE + ": empty; use \"" + SECURE_RANDOM + "\" or an absolute file path");
        }
        String v = value.strip();
        if (v.equalsIgnoreCase(SECURE_RANDOM)) {
            return SECURE_RANDOM;
        }
        Path path;
        try {
            path = Path.of(v);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(SOURCE + ": \"" + v + "\" is not a valid path: " + e.getReason(), e);
        }
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException(SOURCE + ": \"" + v + "\" is neither \"" + SECURE_RANDOM
                    + "\" nor an absolute file path");
        }
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(SOURCE + ": " + v + " does not exist");
        }
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException(SOURCE + ": " + v + " is a directory");
        }
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException(SOURCE + ": " + v + " is not readable");
        }
        return v;
    }

    private static int maxInt(Object value) {
        long v;
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            v = ((Number) value).longValue();
        } else if (value instanceof String s) {
            try {
                v = Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(MAX_BYTES_PER_REQUEST + ": \"" + s + "\" is not an integer", e);
            }
        } else {
            throw new IllegalArgumentException(MAX_BYTES_PER_REQUEST + ": expected an integer, got "
                    + value.getClass().getSimpleName() + " " + value);
        }
        if (v < 1 || v > MAX_BYTES_LIMIT) {
            throw new IllegalArgumentException(MAX_BYTES_PER_REQUEST + ": " + v + " is outside [1, " + MAX_BYTES_LIMIT + "]");
        }
        return (int) v;
    }

    private static int checkMax(int value) {
        return maxInt(value);
    }
}
