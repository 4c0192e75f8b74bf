package org.virtio.kvm.api;

/** A KVM operation failed; the message names the operation, the reason and, for system calls, errno. */
public final class KvmException extends Exception {
    private static final long serialVersionUID = 1L;

    private final KvmError error;
    private final int errno;

    /**
     * @param error  the kind of failure
     * @param detail what was attempted and what went wrong
     * @param errno  the errno of the failed call, 0 when none
     */
    public KvmException(KvmError error, String detail, int errno) {
        super(error.text() + ": " + detail);
        this.error = error;
        this.errno = errno;
    }

    /**
     * @param error  the kind of failure
     * @param detail what was attempted and what went wrong
     */
    public KvmException(KvmError error, String detail) {
        this(error, detail, 0);
    }

    /** @return the kind of failure */
    public KvmError error() {
        return error;
    }

    /** @return the errno of the failed call, 0 when the failure was not a system call's */
    public int errno() {
        return errno;
    }
}
