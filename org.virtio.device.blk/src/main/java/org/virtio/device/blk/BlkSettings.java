package org.virtio.device.blk;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

import org.virtio.core.device.DeviceProperties;

/**
 * Validated settings of one block device, parsed from {@link BlkConfig} or from the properties given to
 * {@link BlkDeviceFactory#create}. Every rejection is an {@link IllegalArgumentException} whose message
 * starts with the offending key.
 *
 * @param path     an existing, readable regular file (writable unless read-only)
 * @param readOnly whether the drive is read-only
 * @param serial   the device ID string, 0 to 20 printable ASCII bytes
 */
record BlkSettings(Path path, boolean readOnly, String serial) {
    /** Key of the image path. */
    static final String PATH = "path";
    /** Key of the read-only flag. */
    static final String READ_ONLY = "readOnly";
    /** Key of the serial. */
    static final String SERIAL = "serial";

    BlkSettings {
        Objects.requireNonNull(path, PATH);
        checkFile(path, readOnly);
        serial = serial == null || serial.isEmpty() ? derivedSerial(path) : checkSerial(serial);
    }

    /**
     * @param config a device configuration
     * @return the settings it describes
     * @throws IllegalArgumentException naming the key when a value is invalid
     */
    static BlkSettings of(BlkConfig config) {
        return new BlkSettings(toPath(config.path()), config.readOnly(), config.serial());
    }

    /**
     * @param properties per-device properties; {@code path} is required, unknown keys are ignored
     * @return the device's settings
     * @throws IllegalArgumentException naming the key when a value is invalid
     */
    static BlkSettings from(Map<String, ?> properties) {
        Objects.requireNonNull(properties, "properties");
        Object path = properties.get(PATH);
        if (path == null) {
            throw new IllegalArgumentException(PATH + ": required (the raw image file)");
        }
        Object serial = properties.get(SERIAL);
        return new BlkSettings(toPath(DeviceProperties.string(PATH, path)),
                DeviceProperties.bool(READ_ONLY, properties.get(READ_ONLY), false),
                serial == null ? null : DeviceProperties.string(SERIAL, serial));
    }

    /** @return the serial as the 0–20 bytes GET_ID returns (before NUL padding) */
    byte[] serialBytes() {
        return serial.getBytes(StandardCharsets.US_ASCII);
    }

    private static Path toPath(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(PATH + ": empty; give the raw image file");
        }
        return DeviceProperties.path(PATH, value);
    }

    private static void checkFile(Path path, boolean readOnly) {
        DeviceProperties.checkReadableFile(PATH, path);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(PATH + ": " + path + " is not a regular file");
        }
        if (!readOnly && !Files.isWritable(path)) {
            throw new IllegalArgumentException(PATH + ": " + path + " is not writable; set " + READ_ONLY + "=true");
        }
    }

    private static String checkSerial(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException(SERIAL + ": \"" + value + "\" is not printable ASCII");
            }
        }
        if (value.length() > BlkSpec.ID_BYTES) {
            throw new IllegalArgumentException(SERIAL + ": \"" + value + "\" is " + value.length()
                    + " bytes, more than " + BlkSpec.ID_BYTES);
        }
        return value;
    }

    /** The image's file name, characters outside [A-Za-z0-9._-] replaced by '_', cut to 20 bytes. */
    static String derivedSerial(Path path) {
        Path name = path.getFileName();
        String s = name == null ? "virtio-blk" : name.toString();
        StringBuilder b = new StringBuilder(BlkSpec.ID_BYTES);
        for (int i = 0; i < s.length() && b.length() < BlkSpec.ID_BYTES; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            b.append(ok ? c : '_');
        }
        return b.toString();
    }
}
