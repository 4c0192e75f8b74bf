/**
 * Backends of the virtio-console device: the {@link org.virtio.device.console.backend.ConsoleBackend}
 * interface, {@link org.virtio.device.console.backend.StreamConsoleBackend} (an input/output stream pair
 * such as the process's stdin/stdout) and {@link org.virtio.device.console.backend.FileConsoleBackend}
 * (output appended to a file, no input). Private to the bundle.
 */
package org.virtio.device.console.backend;
