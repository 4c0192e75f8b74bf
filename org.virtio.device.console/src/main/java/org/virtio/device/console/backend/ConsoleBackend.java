package org.virtio.device.console.backend;

import java.io.IOException;

/**
 * Where a console device sends the bytes the guest wrote (output) and gets the bytes the guest reads
 * (input). The device {@linkplain #open opens} its backend when the driver sets DRIVER_OK and
 * {@linkplain #close closes} it on reset; a backend can be opened again after it was closed.
 *
 * <p>Output: {@link #write} is called from the thread serving the device's queues (the device host
 * serialises those calls). Input is pushed: the backend calls {@link InputListener#input} from its own
 * thread whenever bytes arrive, between {@link #open} and {@link #close}; the device never blocks a queue
 * thread waiting for input.
 */
public interface ConsoleBackend {

    /** Receives input bytes from the backend's own thread. Implemented by the device; thread-safe. */
    interface InputListener {
        /**
         * Bytes arrived. The listener copies them before returning, so the caller may reuse {@code src}.
         *
         * @param src    buffer holding the bytes
         * @param offset first byte
         * @param length number of bytes, at least 1
         */
        void input(byte[] src, int offset, int length);
    }

    /**
     * Acquires the output and starts delivering input to {@code listener}.
     *
     * @param listener where input goes until {@link #close}
     * @throws IOException when the output cannot be opened
     */
    void open(InputListener listener) throws IOException;

    /**
     * Writes guest output, completely, and flushes it.
     *
     * @param src    buffer
     * @param offset first byte
     * @param length number of bytes, at least 1
     * @throws IOException when the output cannot be written or the backend is not open
     */
    void write(byte[] src, int offset, int length) throws IOException;

    /** Stops input delivery and releases the output; does nothing when not open. */
    void close();

    /** @return whether the backend has an input side at all */
    boolean hasInput();

    /** @return a short description for log lines, e.g. {@code stdout+stdin} or {@code file /var/log/vm1.log} */
    String description();
}
