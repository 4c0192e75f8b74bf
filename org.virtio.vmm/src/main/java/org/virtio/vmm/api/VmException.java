package org.virtio.vmm.api;

import java.io.Serial;

/** A {@link VmManager} operation could not be done; the message names the VM, device or key and the reason. */
public class VmException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** @param message what failed and why */
    public VmException(String message) {
        super(message);
    }

    /** @param message what failed and why  @param cause the underlying failure */
    public VmException(String message, Throwable cause) {
        super(message, cause);
    }
}
