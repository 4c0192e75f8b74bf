package org.virtio.core.queue;

/** A queue the driver configured so that it cannot be used (size, alignment, ring outside memory). */
public final class QueueSetupException extends Exception {
    private static final long serialVersionUID = 1L;
    private final QueueError error;

    /** @param error the driver's mistake @param detail where (queue, address) */
    public QueueSetupException(QueueError error, String detail) {
        super(error.message() + ": " + detail);
        this.error = error;
    }

    /** @return the driver's mistake */
    public QueueError error() {
        return error;
    }
}
