package org.virtio.vhost.user.internal.sys;

import java.io.IOException;

/** A system call failed; the message names the call and the errno. */
public final class SysException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    /** @param message call and reason  @param errno the C errno (0 when not from errno) */
    public SysException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** @return the C errno, 0 when the failure did not come from errno */
    public int errno() {
        return errno;
    }
}
