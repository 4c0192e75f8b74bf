package org.virtio.device.console;

/**
 * Every way console I/O can go wrong, each with the outcome the driver sees (VirtIO 1.3 §5.3.6). The
 * device maps a constant to its outcome in one place, {@code ConsoleDevice.fail}.
 */
public enum ConsoleError {
    /** A receiveq chain has no device-writable buffer: nowhere to put input. */
    RECEIVE_NOT_WRITABLE("receiveq buffer has no device-writable part", Outcome.USED_LENGTH_ZERO),
    /** A transmitq chain has device-writable buffers (§5.3.6.1: transmit buffers are device-readable). */
    TRANSMIT_WRITABLE("transmitq chain has device-writable buffers; not output", Outcome.USED_LENGTH_ZERO),
    /** Input arrived while the buffer of pending input was full: the oldest bytes were dropped. */
    INPUT_OVERFLOW("input buffer full, oldest input dropped", Outcome.INPUT_DROPPED),
    /** The backend's output could not be opened when the driver set DRIVER_OK. */
    OUTPUT_UNAVAILABLE("console output could not be opened", Outcome.DEVICE_NEEDS_RESET),
    /** Writing guest output to the backend failed. */
    OUTPUT_FAILED("console output could not be written", Outcome.DEVICE_NEEDS_RESET);

    /** What the driver sees. */
    public enum Outcome {
        /** The chain is returned with used length 0; the device keeps serving. */
        USED_LENGTH_ZERO,
        /** Host input is lost (counted in the metrics); the driver sees nothing. */
        INPUT_DROPPED,
        /** The device sets DEVICE_NEEDS_RESET (§2.1.2) and serves nothing until the driver resets it. */
        DEVICE_NEEDS_RESET
    }

    private final String message;
    private final Outcome outcome;

    ConsoleError(String message, Outcome outcome) {
        this.message = message;
        this.outcome = outcome;
    }

    /** @return a one-line description for logs and the DEVICE_NEEDS_RESET reason */
    public String message() {
        return message;
    }

    /** @return what the driver sees */
    public Outcome outcome() {
        return outcome;
    }
}
