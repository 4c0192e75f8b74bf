package org.virtio.device.rng;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

import org.virtio.core.device.DeviceProperties;

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
        return new RngSettings(source == null ? defaults.source : DeviceProperties.string(SOURCE, source),
                max == null ? defaults.maxBytesPerRequest : DeviceProperties.integer(MAX_BYTES_PER_REQUEST, max, 1, MAX_BYTES_LIMIT));
    }

    /** @return a new, closed entropy source as {@link #source} names it */
    EntropySource newSource() {
        return SECURE_RANDOM.equals(source) ? new SecureRandomSource() : new FileEntropySource(Path.of(source));
    }

    private static String checkSource(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(SOURCE + ": empty; use \"" + SECURE_RANDOM + "\" or an absolute file path");
        }
        String v = value.strip();
        if (v.equalsIgnoreCase(SECURE_RANDOM)) {
            return SECURE_RANDOM;
        }
        Path path = DeviceProperties.path(SOURCE, v);
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException(SOURCE + ": \"" + v + "\" is neither \"" + SECURE_RANDOM
                    + "\" nor an absolute file path");
        }
        DeviceProperties.checkReadableFile(SOURCE, path);
        return v;
    }

    private static int checkMax(int value) {
        return DeviceProperties.integer(MAX_BYTES_PER_REQUEST, value, 1, MAX_BYTES_LIMIT);
    }
}
