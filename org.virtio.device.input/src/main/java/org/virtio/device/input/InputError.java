package org.virtio.device.input;

/**
 * Every way a virtio-input request or event can fail, each with what the driver sees (VirtIO 1.3 §5.8.6).
 * The device maps a constant to its outcome in one place, {@code InputDevice.fail}.
 */
public enum InputError {
    /** An eventq buffer with fewer than 8 device-writable bytes cannot hold one virtio_input_event. */
    EVENT_BUFFER_TOO_SMALL("eventq buffer has fewer than 8 device-writable bytes", Outcome.USED_LENGTH_ZERO),
    /** An eventq buffer with device-readable bytes: eventq buffers are device-writable only (§5.8.6). */
    EVENT_BUFFER_READABLE("eventq buffer has device-readable bytes", Outcome.USED_LENGTH_ZERO),
    /** A statusq buffer with device-writable bytes: statusq buffers are device-readable only (§5.8.6). */
    STATUS_WRITABLE("statusq buffer has device-writable bytes", Outcome.USED_LENGTH_ZERO),
    /** A statusq buffer whose readable part is not exactly one 8-byte virtio_input_event. */
    STATUS_BAD_LENGTH("statusq buffer is not one 8-byte event", Outcome.USED_LENGTH_ZERO),
    /** A host event found the bounded pending queue full (§5.8.6.1: the device MAY drop events). */
    QUEUE_FULL("pending event queue full, event dropped", Outcome.DROPPED),
    /** A host event arrived while the driver was not running (before DRIVER_OK or after a reset). */
    NOT_READY("driver not running, event dropped", Outcome.DROPPED);

    /** What the driver sees. */
    public enum Outcome {
        /** The chain is returned with used length 0, nothing done; the device keeps serving. */
        USED_LENGTH_ZERO,
        /** Host-side: the event never reaches the driver; it is counted. */
        DROPPED
    }

    private final String message;
    private final Outcome outcome;

    InputError(String message, Outcome outcome) {
        this.message = message;
        this.outcome = outcome;
    }

    /** @return a one-line description for logs */
    public String message() {
        return message;
    }

    /** @return what the driver sees */
    public Outcome outcome() {
        return outcome;
    }
}
