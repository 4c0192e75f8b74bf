package org.virtio.vhost.user.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

import org.virtio.vhost.user.internal.sys.EventFd;
import org.virtio.vhost.user.internal.sys.SysException;

/**
 * What the frontend told us about one ring (SET_VRING_NUM/ADDR/BASE/KICK/CALL/ERR/ENABLE) and the
 * eventfds it passed. The call (and err) eventfd can be replaced while a device thread signals it (QEMU
 * swaps it when the guest masks a vector), so signalling and swapping share a small lock and the old
 * descriptor is closed only once no signal can use it.
 */
final class Vring {
    private static final Logger LOG = System.getLogger(Vring.class.getName());

    final int index;
    /** Queue size; 0 until SET_VRING_NUM. */
    int num;
    boolean addressSet;
    long descUva;
    long availUva;
    long usedUva;
    /** The available index the ring (re)starts at: SET_VRING_BASE, or where it stopped. */
    int base;
    /** The frontend sent SET_VRING_KICK (with a descriptor, or NOFD for a polled ring). */
    boolean started;
    /** SET_VRING_ENABLE state (rings start enabled when protocol features were not negotiated). */
    boolean enabled;
    EventFd kick;
    KickWatcher watcher;
    /** The open queue while the device is active; read by device threads. */
    volatile TrackedQueue queue;

    /** Guards call and err: a signal never reaches a descriptor number closed (and maybe reused) meanwhile. */
    private final Object fdLock = new Object();
    private EventFd call;
    private EventFd err;

    Vring(int index) {
        this.index = index;
    }

    /** @return whether the ring can be opened: size, addresses, kick and enable all given */
    boolean ready() {
        return num > 0 && addressSet && started && enabled;
    }

    /** Used buffer notification: signal the call eventfd, if any (none: the frontend polls). */
    void notifyUsed() {
        synchronized (fdLock) {
            if (call != null) {
                try {
                    call.signal();
                } catch (SysException e) {
                    LOG.log(Level.WARNING, "ring {0}: call eventfd: {1}", index, e.getMessage());
                }
            }
        }
    }

    /** @param fd the new call eventfd, or null for none; the old one is closed */
    void setCall(EventFd fd) {
        EventFd old;
        synchronized (fdLock) {
            old = call;
            call = fd;
        }
        if (old != null) {
            old.close();
        }
    }

    /** @param fd the new error eventfd, or null; the old one is closed */
    void setErr(EventFd fd) {
        EventFd old;
        synchronized (fdLock) {
            old = err;
            err = fd;
        }
        if (old != null) {
            old.close();
        }
    }

    /** Tells the frontend this ring hit an error (SET_VRING_ERR eventfd), if it gave us one. */
    void signalError() {
        synchronized (fdLock) {
            if (err != null) {
                try {
                    err.signal();
                } catch (SysException ex) {
                    LOG.log(Level.WARNING, "ring {0}: error eventfd: {1}", index, ex.getMessage());
                }
            }
        }
    }

    /** @return the kick watcher to close (outside any lock the watcher might wait for), now detached */
    KickWatcher detachWatcher() {
        KickWatcher w = watcher;
        watcher = null;
        return w;
    }

    /** Closes the kick eventfd (stop its watcher first). */
    void closeKick() {
        if (kick != null) {
            kick.close();
            kick = null;
        }
    }

    /** Forgets everything (RESET_OWNER, end of session); the watcher must already be closed. */
    void clear() {
        closeKick();
        setCall(null);
        setErr(null);
        num = 0;
        addressSet = false;
        base = 0;
        started = false;
        enabled = false;
        queue = null;
    }
}
