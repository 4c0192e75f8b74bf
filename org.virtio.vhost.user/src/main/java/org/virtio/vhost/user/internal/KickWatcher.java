package org.virtio.vhost.user.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

import org.virtio.vhost.user.internal.sys.EventFd;
import org.virtio.vhost.user.internal.sys.SysException;

/**
 * One platform thread per started ring, waiting on the frontend's kick eventfd (and a private stop
 * eventfd) and delivering each kick as a queue notification. A platform thread because it blocks in
 * poll(2), a native call.
 */
final class KickWatcher implements AutoCloseable {
    private static final Logger LOG = System.getLogger(KickWatcher.class.getName());

    /** Receives kicks. */
    interface Handler {
        /** @param queue the ring kicked  @param source the watcher, to check {@link #stopping} while waiting */
        void kicked(int queue, KickWatcher source);
    }

    private final EventFd kick;
    private final EventFd stop;
    private final Thread thread;
    private volatile boolean stopping;

    /**
     * @param name   thread name
     * @param queue  the ring index passed to onKick
     * @param kick   the frontend's kick eventfd (owned by the caller)
     * @param onKick called on this watcher's thread for each kick
     * @throws SysException when the stop eventfd cannot be created
     */
    KickWatcher(String name, int queue, EventFd kick, Handler onKick) throws SysException {
        this.kick = kick;
        this.stop = EventFd.create();
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(() -> run(queue, onKick));
        thread.start();
    }

    private void run(int queue, Handler onKick) {
        try {
            while (kick.awaitOr(stop)) {
                if (kick.drain() != 0) {
                    onKick.kicked(queue, this);
                }
            }
        } catch (SysException e) {
            LOG.log(Level.WARNING, "{0}: kick eventfd failed, ring {1} no longer notified: {2}",
                    Thread.currentThread().getName(), queue, e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, Thread.currentThread().getName() + ": device failed serving ring " + queue, e);
        }
    }

    /** @return whether {@link #close} was called: a handler waiting for a lock gives up */
    boolean stopping() {
        return stopping;
    }

    /** Stops the thread and waits for it (unless called from it); the kick eventfd stays open. */
    @Override
    public void close() {
        stopping = true;
        try {
            stop.signal();
        } catch (SysException e) {
            LOG.log(Level.WARNING, "cannot signal kick watcher stop: {0}", e.getMessage());
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stop.close();
    }
}
