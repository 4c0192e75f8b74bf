package org.virtio.vhost.user.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.QueueSetupException;
import org.virtio.core.queue.QueueState;
import org.virtio.core.queue.VirtQueue;
import org.virtio.core.queue.VirtQueues;
import org.virtio.vhost.user.internal.protocol.ProtocolException;

/**
 * Runs one device for one session: opens the core's queues over the frontend's memory, activates the
 * device, delivers kicks, and stops it again. It is the device's {@link DeviceContext}.
 *
 * <p>When to activate: vhost-user has no single "driver OK" moment every frontend sends (SET_STATUS is
 * optional), so the device is activated once every ring the frontend configured (size or address given)
 * is ready (addresses, kick, enable), or at the first kick, or at SET_STATUS with DRIVER_OK, with the rings
 * ready at that moment; a ring that becomes ready later is added to the running device (as after a queue
 * reset). Any ring stop (GET_VRING_BASE), memory table change or reset quiesces
 * and resets the device and records where each ring stopped; rings still ready are reopened at once.
 * Calls into the device are serialised by one lock, as the device SPI requires.
 */
final class DeviceRunner implements DeviceContext {
    private static final Logger LOG = System.getLogger(DeviceRunner.class.getName());

    private final ReentrantLock lock = new ReentrantLock();
    private final VirtioDevice device;
    private final String name;
    private final Vring[] rings;
    private volatile long features;
    private volatile MemoryTable memory;
    private InflightRegion inflight;
    private boolean active;

    DeviceRunner(VirtioDevice device, String name, Vring[] rings) {
        this.device = device;
        this.name = name;
        this.rings = rings;
    }

    VirtioDevice device() {
        return device;
    }

    /** @return whether the device is activated (tests, GET_STATUS) */
    boolean active() {
        lock.lock();
        try {
            return active;
        } finally {
            lock.unlock();
        }
    }

    /** @param acked the negotiated virtio features, vhost-only bits removed */
    void setFeatures(long acked) {
        features = acked;
    }

    /**
     * Replaces the memory table: the running device is stopped first, since its queues point into the
     * old mappings. @param table the new table @return the old table, for the caller to close
     */
    MemoryTable setMemory(MemoryTable table) {
        lock.lock();
        try {
            boolean was = deactivate();
            MemoryTable old = memory;
            memory = table;
            if (was) {
                activateIfReady();
            }
            return old;
        } finally {
            lock.unlock();
        }
    }

    /** @return the current memory table, or null */
    MemoryTable memoryTable() {
        return memory;
    }

    /** @param region the new inflight region  @return the old one, for the caller to close */
    InflightRegion setInflight(InflightRegion region) {
        lock.lock();
        try {
            boolean was = deactivate();
            InflightRegion old = inflight;
            inflight = region;
            if (was) {
                activateIfReady();
            }
            return old;
        } finally {
            lock.unlock();
        }
    }

    /** @return the current inflight region, or null */
    InflightRegion inflight() {
        return inflight;
    }

    /**
     * A ring became ready (kick or enable): join the running device; or, when every ring the frontend
     * configured is now ready, activate the device (so buffers made available before, or left in flight
     * by an earlier backend, are served without waiting for a kick).
     */
    void ringReady(int index) {
        lock.lock();
        try {
            Vring r = rings[index];
            if (!r.ready()) {
                return;
            }
            if (!active) {
                if (allConfiguredReady()) {
                    activateIfReady();
                }
                return;
            }
            TrackedQueue old = r.queue;
            if (old != null) {
                old.stop();
                r.base = old.availIndex();
                r.queue = null;
                device.queueReset(index);
            }
            if (open(r)) {
                device.queueNotified(index);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * GET_VRING_BASE (stop) or SET_VRING_ENABLE 0 (disable): the device is quiesced and reset (it cannot
     * lose one queue alone), the ring changed, the other ready rings reopened.
     *
     * @param index  the ring
     * @param change what happens to the ring while the device is stopped
     * @return the available index the ring stopped at
     */
    int stopRing(int index, java.util.function.Consumer<Vring> change) {
        lock.lock();
        try {
            boolean was = deactivate();
            Vring r = rings[index];
            change.accept(r);
            if (was) {
                activateIfReady();
            }
            return r.base;
        } finally {
            lock.unlock();
        }
    }

    /** SET_STATUS with DRIVER_OK: activate now with the rings that are ready. */
    void driverOk() {
        lock.lock();
        try {
            if (!active) {
                activateIfReady();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops the device (SET_STATUS 0, RESET_OWNER, RESET_DEVICE, end of session). */
    void stop() {
        lock.lock();
        try {
            deactivate();
        } finally {
            lock.unlock();
        }
    }

    /** Runs a config access under the device lock. @param action the access */
    void withDevice(Runnable action) {
        lock.lock();
        try {
            action.run();
        } finally {
            lock.unlock();
        }
    }

    /** A kick arrived (on the ring's watcher thread). */
    void kicked(int index, KickWatcher source) {
        try {
            while (!lock.tryLock(20, TimeUnit.MILLISECONDS)) {
                if (source.stopping()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            if (source.stopping()) {
                return;
            }
            if (!active) {
                activateIfReady();
            } else if (rings[index].queue != null) {
                device.queueNotified(index);
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean allConfiguredReady() {
        for (Vring r : rings) {
            if ((r.num > 0 || r.addressSet) && !r.ready()) {
                return false;
            }
        }
        return true;
    }

    /** Under the lock. @return whether the device was active */
    private boolean deactivate() {
        if (!active) {
            return false;
        }
        try {
            device.quiesce();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, name + ": device failed to quiesce", e);
        }
        for (Vring r : rings) {
            TrackedQueue q = r.queue;
            if (q != null) {
                q.stop();
                r.base = q.availIndex();
                r.queue = null;
            }
        }
        try {
            device.reset();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, name + ": device failed to reset", e);
        }
        active = false;
        return true;
    }

    /** Under the lock: opens every ready ring and activates the device when at least one opened. */
    private void activateIfReady() {
        if (active || memory == null) {
            return;
        }
        boolean any = false;
        for (Vring r : rings) {
            if (r.ready() && open(r)) {
                any = true;
            }
        }
        if (!any) {
            return;
        }
        device.activate(this);
        active = true;
        LOG.log(Level.DEBUG, "{0}: device activated", name);
        // Buffers may have been made available while nobody served the ring (a reconnect), and resubmitted
        // requests wait: look at every open queue once.
        for (Vring r : rings) {
            if (r.queue != null) {
                device.queueNotified(r.index);
            }
        }
    }

    /** Under the lock: opens one ring's queue; a ring the driver set up badly is reported and stays closed. */
    private boolean open(Vring r) {
        MemoryTable table = memory;
        try {
            GuestAddress desc = table.toGuest(r.descUva, "ring " + r.index + " descriptor table");
            GuestAddress avail = table.toGuest(r.availUva, "ring " + r.index + " available ring");
            GuestAddress used = table.toGuest(r.usedUva, "ring " + r.index + " used ring");
            GuestMemory ram = table.ram();
            int usedIdx = ram.readShort(used.value() + 2) & 0xffff;
            InflightQueue area = trackedArea(r);
            InflightQueue.Recovery recovery = null;
            int availIdx = r.base;
            if (area != null) {
                recovery = area.recover(r.num, usedIdx);
                if (recovery.note() != null) {
                    LOG.log(Level.WARNING, "{0}: ring {1}: {2}", name, r.index, recovery.note());
                }
                if (recovery.heads().length > 0) {
                    // As libvhost-user: what was popped is what was used plus what is still in flight.
                    availIdx = (usedIdx + recovery.heads().length) & 0xffff;
                    LOG.log(Level.INFO, "{0}: ring {1}: resubmitting {2} requests left in flight",
                            name, r.index, recovery.heads().length);
                }
            }
            QueueState state = new QueueState(r.index, QueueFormat.SPLIT, r.num, desc, avail, used, true,
                    availIdx, true, usedIdx, true, true);
            VirtQueue q = VirtQueues.open(state, Session.maxRingSize(device, r.index), ram, features, null,
                    this::notifyUsed, this::queueFailed);
            r.queue = new TrackedQueue(q, area, recovery, availIdx, usedIdx);
            if (recovery != null && recovery.publishedBatch() > 0) {
                // The dead backend may have published these completions without signalling them (it signals
                // after publishing, records after signalling): a spare interrupt is harmless, a lost one hangs
                // the driver.
                r.notifyUsed();
            }
            return true;
        } catch (ProtocolException | GuestMemoryException | QueueSetupException e) {
            LOG.log(Level.WARNING, "{0}: ring {1} cannot be opened: {2}", name, r.index, e.getMessage());
            r.signalError();
            return false;
        }
    }

    private InflightQueue trackedArea(Vring r) {
        InflightRegion region = inflight;
        if (region == null) {
            return null;
        }
        if (r.index >= region.queueCount() || r.num > region.queueSize()) {
            LOG.log(Level.WARNING, "{0}: ring {1} of size {2} does not fit the inflight region ({3} queues of {4}): "
                    + "not tracked", name, r.index, r.num, region.queueCount(), region.queueSize());
            return null;
        }
        return region.queue(r.index);
    }

    private void notifyUsed(int queue) {
        rings[queue].notifyUsed();
    }

    private void queueFailed(int queue, org.virtio.core.queue.QueueError error, String detail) {
        LOG.log(Level.WARNING, "{0}: ring {1} broken by the driver: {2}: {3}", name, queue, error.message(), detail);
        rings[queue].signalError();
    }

    @Override
    public long negotiatedFeatures() {
        return features;
    }

    @Override
    public VirtQueue queue(int index) {
        return index >= 0 && index < rings.length ? rings[index].queue : null;
    }

    @Override
    public GuestMemory memory() {
        MemoryTable t = memory;
        return t != null ? t.ram() : null;
    }

    /** No backend-to-frontend channel (BACKEND_REQ is not offered): the frontend re-reads config itself. */
    @Override
    public void configChanged() {
        LOG.log(Level.INFO, "{0}: device configuration changed; no backend channel to announce it", name);
    }

    @Override
    public void needsReset(String reason) {
        LOG.log(Level.WARNING, "{0}: device needs a reset: {1}", name, reason);
        for (Vring r : rings) {
            r.signalError();
        }
    }

    @Override
    public String name() {
        return name;
    }
}
