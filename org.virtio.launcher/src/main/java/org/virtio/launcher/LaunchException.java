package org.virtio.launcher;

/**
 * The VM could not be built or run for a reason the user can act on (a file that cannot be read, KVM
 * unavailable, a kernel image the loaders reject). The message is complete: Main prints it as
 * {@code virtio-vmm: error: <message>}.
 */
public final class LaunchException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message what failed and why */
    public LaunchException(String message) {
        super(message);
    }

    /**
     * @param message what failed and why
     * @param cause   the underlying failure
     */
    public LaunchException(String message, Throwable cause) {
        super(message, cause);
    }
}
