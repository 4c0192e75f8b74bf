package org.virtio.device.rng;

/**
 * Every way an entropy request can fail, each with the outcome the driver sees (VirtIO 1.3 §5.4.6). The
 * device maps a constant to its outcome in one place, {@code RngDevice.fail}.
 */
public enum RngError {
    /** The chain has no device-writable buffer: the driver gave the device nowhere to put entropy. */
    NO_WRITABLE_BUFFER("request has no device-writable buffer", Outcome.USED_LENGTH_ZERO),
    /** The entropy source could not be opened when the driver set DRIVER_OK. */
    SOURCE_UNAVAILABLE("entropy source could not be opened", Outcome.DEVICE_NEEDS_RESET),
    /** Reading the entropy source failed. */
    SOURCE_UNREADABLE("entropy source could not be read", Outcome.DEVICE_NEEDS_RESET),
    /** A file entropy source reached its end. */
    SOURCE_EXHAUSTED("entropy source reached its end", Outcome.DEVICE_NEEDS_RESET);

    /** What the driver sees when a request fails. */
    public enum Outcome {
        /** The chain is returned with used length 0; the device keeps serving. */
        USED_LENGTH_ZERO,
        /** The device sets DEVICE_NEEDS_RESET (§2.1.2) and serves nothing until the driver resets it. */
        DEVICE_NEEDS_RESET
    }

    private final String message;
    private final Outcome outcome;

    RngError(String message, Outcome outcome) {
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
