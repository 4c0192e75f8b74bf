package org.virtio.device.input;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.virtio.core.device.DeviceProperties;
import org.virtio.device.input.backend.FileCommandSource;
import org.virtio.device.input.backend.KeyCommandSource;
import org.virtio.device.input.backend.SocketCommandSource;

/**
 * Validated settings of one keyboard, parsed from {@link InputConfig} or from the properties given to
 * {@link InputDeviceFactory#create}. Every rejection is an {@link IllegalArgumentException} whose message
 * starts with the offending key.
 *
 * @param deviceName  ID_NAME, 1 to 128 printable ASCII characters
 * @param serial      ID_SERIAL, 0 to 128 printable ASCII characters
 * @param events      "" (none), an absolute FIFO/file path, or {@value #UNIX_PREFIX} + an absolute socket path
 * @param queueEvents key actions kept while the driver has no eventq buffer, 1 to {@value #MAX_QUEUE_EVENTS}
 */
record InputSettings(String deviceName, String serial, String events, int queueEvents) {
    /** Key of the device name. */
    static final String DEVICE_NAME = "deviceName";
    /** Key of the serial. */
    static final String SERIAL = "serial";
    /** Key of the key-command source. */
    static final String EVENTS = "events";
    /** Key of the pending-event bound. */
    static final String QUEUE_EVENTS = "queueEvents";
    /** Prefix of an {@code events} value naming a unix socket to listen on. */
    static final String UNIX_PREFIX = "unix:";
    static final String DEFAULT_NAME = "VirtIO Keyboard";
    static final int DEFAULT_QUEUE_EVENTS = 256;
    static final int MAX_QUEUE_EVENTS = 65536;
    /** Longest unix socket path: sun_path is 108 bytes with its NUL. */
    static final int MAX_SOCKET_PATH = 107;

    /** Defaults: "VirtIO Keyboard", no serial, no command source, 256 queued actions. */
    static final InputSettings DEFAULTS = new InputSettings(DEFAULT_NAME, "", "", DEFAULT_QUEUE_EVENTS);

    InputSettings {
        deviceName = checkString(DEVICE_NAME, deviceName, 1);
        serial = checkString(SERIAL, serial == null ? "" : serial, 0);
        events = checkEvents(events);
        queueEvents = DeviceProperties.integer(QUEUE_EVENTS, queueEvents, 1, MAX_QUEUE_EVENTS);
    }

    /**
     * @param config the factory's configuration
     * @return the settings it describes
     * @throws IllegalArgumentException naming the key when a value is invalid
     */
    static InputSettings of(InputConfig config) {
        return new InputSettings(config.deviceName(), config.serial(), config.events(), config.queueEvents());
    }

    /**
     * @param properties per-device properties; missing keys take the defaults, unknown keys are ignored
     * @param defaults   the factory's settings
     * @return the device's settings
     * @throws IllegalArgumentException naming the key when a value is invalid
     */
    static InputSettings from(Map<String, ?> properties, InputSettings defaults) {
        Objects.requireNonNull(properties, "properties");
        Object name = properties.get(DEVICE_NAME);
        Object serial = properties.get(SERIAL);
        Object events = properties.get(EVENTS);
        Object queue = properties.get(QUEUE_EVENTS);
        return new InputSettings(name == null ? defaults.deviceName : DeviceProperties.string(DEVICE_NAME, name),
                serial == null ? defaults.serial : DeviceProperties.string(SERIAL, serial),
                events == null ? defaults.events : DeviceProperties.string(EVENTS, events),
                queue == null ? defaults.queueEvents : DeviceProperties.integer(QUEUE_EVENTS, queue, 1, MAX_QUEUE_EVENTS));
    }

    /** @return a new, unstarted command source, or null when {@code events} is empty */
    KeyCommandSource newSource() {
        if (events.isEmpty()) {
            return null;
        }
        return events.startsWith(UNIX_PREFIX) ? new SocketCommandSource(Path.of(events.substring(UNIX_PREFIX.length())))
                : new FileCommandSource(Path.of(events));
    }

    byte[] nameBytes() {
        return deviceName.getBytes(StandardCharsets.US_ASCII);
    }

    byte[] serialBytes() {
        return serial.getBytes(StandardCharsets.US_ASCII);
    }

    private static String checkString(String key, String value, int min) {
        if (value == null) {
            throw new IllegalArgumentException(key + ": missing");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException(key + ": character " + i + " is not printable ASCII");
            }
        }
        if (value.length() < min || value.length() > InputSpec.UNION_SIZE) {
            throw new IllegalArgumentException(key + ": " + value.length() + " characters, expected " + min + " to "
                    + InputSpec.UNION_SIZE);
        }
        return value;
    }

    private static String checkEvents(String value) {
        String v = value == null ? "" : value.strip();
        if (v.isEmpty() || v.toLowerCase(Locale.ROOT).equals("none")) {
            return "";
        }
        if (v.startsWith(UNIX_PREFIX)) {
            Path p = absolute(v.substring(UNIX_PREFIX.length()));
            if (p.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
                throw new IllegalArgumentException(EVENTS + ": socket path " + p + " is longer than " + MAX_SOCKET_PATH + " bytes");
            }
            Path parent = p.getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new IllegalArgumentException(EVENTS + ": directory " + parent + " does not exist");
            }
            if (Files.isDirectory(p)) {
                throw new IllegalArgumentException(EVENTS + ": " + p + " is a directory");
            }
            return UNIX_PREFIX + p;
        }
        Path p = absolute(v);
        DeviceProperties.checkReadableFile(EVENTS, p);
        if (!Files.isRegularFile(p) && !Files.isWritable(p)) {
            // A FIFO is opened for reading and writing so that its open never waits for a writer.
            throw new IllegalArgumentException(EVENTS + ": FIFO " + p + " is not writable by this process");
        }
        return p.toString();
    }

    private static Path absolute(String v) {
        Path p = DeviceProperties.path(EVENTS, v);
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException(EVENTS + ": \"" + v + "\" is not an absolute path (or \"unix:\" + one, or \"none\")");
        }
        return p;
    }
}
