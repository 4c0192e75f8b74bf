package org.virtio.device.console;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

import org.virtio.core.device.DeviceProperties;

import org.virtio.device.console.backend.ConsoleBackend;
import org.virtio.device.console.backend.FileConsoleBackend;
import org.virtio.device.console.backend.StreamConsoleBackend;

/**
 * Validated settings of one console device, parsed from {@link ConsoleConfig} or from the properties given
 * to {@link ConsoleDeviceFactory#create}. Every rejection is an {@link IllegalArgumentException} whose
 * message starts with the offending key.
 *
 * @param output           {@value #STDOUT} or an absolute file path whose parent directory exists
 * @param input            {@value #STDIN} or {@value #NONE}; stdin only with output stdout
 * @param inputBufferBytes pending-input capacity, 1 to {@value #MAX_INPUT_BUFFER}
 */
record ConsoleSettings(String output, String input, int inputBufferBytes) {
    /** Key of the output. */
    static final String OUTPUT = "output";
    /** Key of the input. */
    static final String INPUT = "input";
    /** Key of the pending-input capacity. */
    static final String INPUT_BUFFER_BYTES = "inputBufferBytes";
    /** Output value: the process's standard output. */
    static final String STDOUT = "stdout";
    /** Input value: the process's standard input. */
    static final String STDIN = "stdin";
    /** Input value: no input. */
    static final String NONE = "none";
    /** Default pending-input capacity: 64 KiB. */
    static final int DEFAULT_INPUT_BUFFER = 64 * 1024;
    /** Largest accepted pending-input capacity: 16 MiB. */
    static final int MAX_INPUT_BUFFER = 16 * 1024 * 1024;

    /** stdout, no input, 64 KiB. */
    static final ConsoleSettings DEFAULTS = new ConsoleSettings(STDOUT, NONE, DEFAULT_INPUT_BUFFER);

    ConsoleSettings {
        output = checkOutput(output);
        input = checkInput(input);
        inputBufferBytes = DeviceProperties.integer(INPUT_BUFFER_BYTES, inputBufferBytes, 1, MAX_INPUT_BUFFER);
        if (STDIN.equals(input) && !STDOUT.equals(output)) {
            throw new IllegalArgumentException(INPUT + ": \"" + STDIN + "\" needs output \"" + STDOUT
                    + "\"; a file output has no input");
        }
    }

    /**
     * @param config the factory's configuration
     * @return the settings it describes
     * @throws IllegalArgumentException naming the key when a value is invalid
     */
    static ConsoleSettings of(ConsoleConfig config) {
        return new ConsoleSettings(config.output(), config.input(), config.inputBufferBytes());
    }

    /**
     * @param properties per-device properties; missing keys take the defaults, unknown keys are ignored
     * @param defaults   the factory's settings
     * @return the device's settings
     * @throws IllegalArgumentException naming the key when a value is invalid
     */
    static ConsoleSettings from(Map<String, ?> properties, ConsoleSettings defaults) {
        Objects.requireNonNull(properties, "properties");
        Object output = properties.get(OUTPUT);
        Object input = properties.get(INPUT);
        Object buffer = properties.get(INPUT_BUFFER_BYTES);
        return new ConsoleSettings(output == null ? defaults.output : DeviceProperties.string(OUTPUT, output),
                input == null ? defaults.input : DeviceProperties.string(INPUT, input),
                buffer == null ? defaults.inputBufferBytes : DeviceProperties.integer(INPUT_BUFFER_BYTES, buffer, 1, MAX_INPUT_BUFFER));
    }

    /**
     * @return a new, closed backend as the settings describe. Standard output is written through its file
     *         descriptor, not {@code System.out}: a {@link java.io.PrintStream} swallows write errors, and a
     *         failing output must reach the device (DEVICE_NEEDS_RESET).
     */
    ConsoleBackend newBackend() {
        if (STDOUT.equals(output)) {
            OutputStream out = new FileOutputStream(FileDescriptor.out);
            return STDIN.equals(input) ? new StreamConsoleBackend(System.in, out, "stdout+stdin")
                    : new StreamConsoleBackend(null, out, "stdout");
        }
        return new FileConsoleBackend(Path.of(output));
    }

    private static String checkOutput(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(OUTPUT + ": empty; use \"" + STDOUT + "\" or an absolute file path");
        }
        String v = value.strip();
        if (v.equalsIgnoreCase(STDOUT)) {
            return STDOUT;
        }
        Path path = DeviceProperties.path(OUTPUT, v);
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException(OUTPUT + ": \"" + v + "\" is neither \"" + STDOUT
                    + "\" nor an absolute file path");
        }
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException(OUTPUT + ": " + v + " is a directory");
        }
        Path parent = path.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(OUTPUT + ": directory " + parent + " does not exist");
        }
        if (Files.exists(path) ? !Files.isWritable(path) : !Files.isWritable(parent)) {
            throw new IllegalArgumentException(OUTPUT + ": " + v + " is not writable");
        }
        return v;
    }

    private static String checkInput(String value) {
        String v = value == null ? "" : value.strip().toLowerCase(java.util.Locale.ROOT);
        if (v.equals(STDIN) || v.equals(NONE)) {
            return v;
        }
        throw new IllegalArgumentException(INPUT + ": \"" + value + "\" is neither \"" + STDIN + "\" nor \"" + NONE + "\"");
    }
}
