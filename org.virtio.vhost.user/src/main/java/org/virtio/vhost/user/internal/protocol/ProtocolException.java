package org.virtio.vhost.user.internal.protocol;

/**
 * The frontend sent something this backend cannot accept (malformed header, oversize or short payload,
 * unknown request, bad memory region, ring outside memory...). The session logs it and drops the
 * connection; the server goes on serving the next frontend.
 */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong, naming the request and field */
    public ProtocolException(String message) {
        super(message);
    }

    /** @param message what was wrong  @param cause the underlying failure */
    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
