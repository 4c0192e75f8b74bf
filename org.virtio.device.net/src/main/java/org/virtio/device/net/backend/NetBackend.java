package org.virtio.device.net.backend;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Where a virtio-net device's Ethernet frames go and come from. Opened by its factory method, closed by
 * {@link #close}. One thread receives (the device's reader), another sends (the transmit queue's), and
 * {@link #close} may come from a third: it wakes a blocked {@link #receive} and waits for in-progress
 * calls to leave before releasing the descriptors.
 */
public interface NetBackend {

    /**
     * Waits for one frame and copies it to the start of {@code dst}.
     *
     * @param dst a native segment
     * @return the frame's length, which exceeds {@code dst.byteSize()} when the frame did not fit (then only
     *         the first bytes were copied); -1 once the backend is closed
     * @throws IOException when reading fails
     */
    int receive(MemorySegment dst) throws IOException;

    /**
     * Sends one frame without blocking.
     *
     * @param frame  a native segment holding the frame at offset 0
     * @param length the frame's length
     * @return true when sent, false when the backend could not take it now (dropped)
     * @throws IOException when the backend failed or is closed
     */
    boolean send(MemorySegment frame, int length) throws IOException;

    /** Wakes the receiver, waits for calls in progress, releases the descriptors; idempotent. */
    void close();

    /** @return a short description for log lines, e.g. {@code tap vtap0} */
    String description();
}
