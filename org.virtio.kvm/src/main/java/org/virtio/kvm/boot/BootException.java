package org.virtio.kvm.boot;

import java.io.Serial;
import java.util.Objects;

/** A kernel image or boot layout was refused; {@link #error()} says why, the message adds the detail. */
public final class BootException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final BootError error;

    /**
     * @param error  what is wrong
     * @param detail which field and value
     */
    public BootException(BootError error, String detail) {
        super(error.message() + ": " + detail);
        this.error = Objects.requireNonNull(error);
    }

    /**
     * @param error  what is wrong
     * @param detail which field and value
     * @param cause  the underlying failure
     */
    public BootException(BootError error, String detail, Throwable cause) {
        super(error.message() + ": " + detail, cause);
        this.error = Objects.requireNonNull(error);
    }

    /** @return what is wrong */
    public BootError error() {
        return error;
    }
}
