package org.virtio.core.internal.device;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.memory.AddressTranslator;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.queue.QueueError;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.QueueSetupException;
import org.virtio.core.queue.QueueState;
import org.virtio.core.queue.VirtQueue;
import org.virtio.core.queue.VirtQueues;
import org.virtio.core.internal.queue.QueueCloser;
import org.virtio.core.transport.DeviceSnapshot;
import org.virtio.core.transport.InterruptSink;
import org.virtio.core.transport.VirtioDeviceHost;

/**
 * The status/feature/queue state machine of VirtIO 1.3 §2–§3 for one device. One lock serialises
 * register writes, notifications and snapshots, so the device sees one call at a time.
 */
public final class DeviceHostImpl implements VirtioDeviceHost {
    private static final Logger LOG = System.getLogger(DeviceHostImpl.class.getName());

    /** Bits a device may use for itself: 0–23 and 50–63 (§6); the rest belong to the core and transports. */
    static final long DEVICE_FEATURE_MASK = 0x00ffffffL | (-1L << 50);
    /** Ring features this core implements for every device. */
    static final long CORE_FEATURES = VirtioFeatures.bit(VirtioFeatures.VERSION_1)
            | VirtioFeatures.bit(VirtioFeatures.INDIRECT_DESC) | VirtioFeatures.bit(VirtioFeatures.EVENT_IDX)
            | VirtioFeatures.bit(VirtioFeatures.RING_PACKED) | VirtioFeatures.bit(VirtioFeatures.IN_ORDER)
            | VirtioFeatures.bit(VirtioFeatures.RING_RESET);

    private final Object lock = new Object();
    /** Replaced only by {@link #swapDevice}, under the lock; volatile for the unlocked getters. */
    private volatile VirtioDevice device;
    private final GuestMemory memory;
    private final InterruptSink interrupts;
    private final AddressTranslator translator;
    private final String name;
    private final long offered;
    private final int queueCount;

    private int status;
    private long driverFeatures;
    private int configGeneration;
    private final QueueState[] registers;
    private final VirtQueue[] queues;
    private Activation activation;
    private String needsResetReason;
    private boolean quiesced;
    private final boolean[] pendingNotify;
    /** Queues reset through {@link #resetQueue} (§2.6.1.1) and not re-enabled since. */
    private final boolean[] inReset;

    /**
     * @param device     the device
     * @param memory     guest memory
     * @param interrupts the transport's interrupt path
     * @param translator IOMMU or null
     * @param name       log name
     */
    public DeviceHostImpl(VirtioDevice device, GuestMemory memory, InterruptSink interrupts,
            AddressTranslator translator, String name) {
        this.device = Objects.requireNonNull(device);
        this.memory = Objects.requireNonNull(memory);
        this.interrupts = Objects.requireNonNull(interrupts);
        this.translator = translator;
        this.name = Objects.requireNonNull(name);
        long platform = translator != null ? VirtioFeatures.bit(VirtioFeatures.ACCESS_PLATFORM) : 0;
        this.offered = (device.deviceFeatures() & DEVICE_FEATURE_MASK) | CORE_FEATURES | platform;
        this.queueCount = device.queueCount();
        this.registers = new QueueState[queueCount];
        this.queues = new VirtQueue[queueCount];
        this.pendingNotify = new boolean[queueCount];
        this.inReset = new boolean[queueCount];
        resetRegisters();
    }

    private void resetRegisters() {
        for (int i = 0; i < queueCount; i++) {
            registers[i] = defaultRegisters(i);
            inReset[i] = false;
        }
    }

    /** The registers of queue i as reset leaves them: size = maximum, addresses 0, not ready. */
    private QueueState defaultRegisters(int i) {
        return withSize(QueueState.initial(i, queueFormat()), device.maxQueueSize(i));
    }

    private static QueueState withSize(QueueState s, int size) {
        return new QueueState(s.index(), s.format(), size, s.descArea(), s.driverArea(), s.deviceArea(), s.ready(),
                s.nextAvail(), s.availWrap(), s.nextUsed(), s.usedWrap(), s.notificationsEnabled());
    }

    @Override
    public int deviceType() {
        return device.deviceType();
    }

    @Override
    public VirtioDevice device() {
        return device;
    }

    @Override
    public long deviceFeatures() {
        return offered;
    }

    @Override
    public long driverFeatures() {
        synchronized (lock) {
            return driverFeatures;
        }
    }

    @Override
    public void setDriverFeatures(long features) {
        synchronized (lock) {
            if ((status & DeviceStatus.FEATURES_OK) != 0) {
                LOG.log(Level.WARNING, "{0}: driver features written after FEATURES_OK, ignored", name);
                return;
            }
            driverFeatures = features;
        }
    }

    @Override
    public int status() {
        synchronized (lock) {
            return status;
        }
    }

    @Override
    public void setStatus(int newStatus) {
        synchronized (lock) {
            newStatus &= 0xff;
            if (newStatus == 0) {
                reset();
                return;
            }
            // DEVICE_NEEDS_RESET is the device's to set; the driver never clears bits except by reset (§2.1.1).
            int requested = (newStatus & ~DeviceStatus.DEVICE_NEEDS_RESET) | (status & DeviceStatus.DEVICE_NEEDS_RESET);
            if ((requested & status) != status) {
                LOG.log(Level.WARNING, "{0}: driver tried to clear status bits ({1} -> {2}), ignored", name,
                        DeviceStatus.describe(status), DeviceStatus.describe(newStatus));
                return;
            }
            int added = requested & ~status;
            if ((added & DeviceStatus.FEATURES_OK) != 0 && !featuresAcceptable(driverFeatures)) {
                // §2.2.2: a subset we cannot accept leaves FEATURES_OK clear for the driver to read back.
                requested &= ~DeviceStatus.FEATURES_OK;
                added &= ~DeviceStatus.FEATURES_OK;
            }
            if ((added & DeviceStatus.DRIVER_OK) != 0 && (requested & DeviceStatus.FEATURES_OK) == 0) {
                LOG.log(Level.WARNING, "{0}: DRIVER_OK without FEATURES_OK, ignored", name);
                requested &= ~DeviceStatus.DRIVER_OK;
                added &= ~DeviceStatus.DRIVER_OK;
            }
            status = requested;
            if ((added & DeviceStatus.FEATURES_OK) != 0) {
                resetRegisters();
            }
            if ((added & DeviceStatus.DRIVER_OK) != 0) {
                start();
            }
        }
    }

    private boolean featuresAcceptable(long features) {
        if ((features & ~offered) != 0) {
            LOG.log(Level.WARNING, "{0}: driver accepted features not offered: 0x{1}", name,
                    Long.toHexString(features & ~offered));
            return false;
        }
        if (!VirtioFeatures.has(features, VirtioFeatures.VERSION_1)) {
            LOG.log(Level.WARNING, "{0}: driver did not accept VERSION_1; legacy drivers are not supported", name);
            return false;
        }
        return true;
    }

    /** DRIVER_OK: open the enabled queues, then hand them to the device. */
    private void start() {
        for (int i = 0; i < queueCount; i++) {
            if (registers[i].ready()) {
                try {
                    queues[i] = open(registers[i], i);
                } catch (QueueSetupException e) {
                    markNeedsReset("queue " + i + ": " + e.getMessage());
                    return;
                }
            }
        }
        activation = new Activation();
        device.activate(activation);
    }

    private VirtQueue open(QueueState s, int i) throws QueueSetupException {
        return VirtQueues.open(s, device.maxQueueSize(i), memory, driverFeatures, translator, this::usedBuffer,
                this::queueFailed);
    }

    private void usedBuffer(int queue) {
        interrupts.usedBuffer(queue);
    }

    private void queueFailed(int queue, QueueError error, String detail) {
        markNeedsReset("queue " + queue + ": " + error.message() + " (" + detail + ")");
    }

    private void markNeedsReset(String reason) {
        synchronized (lock) {
            if ((status & DeviceStatus.DEVICE_NEEDS_RESET) != 0) {
                return;
            }
            needsResetReason = reason;
            status |= DeviceStatus.DEVICE_NEEDS_RESET;
            LOG.log(Level.WARNING, "{0}: DEVICE_NEEDS_RESET: {1}", name, reason);
            if ((status & DeviceStatus.DRIVER_OK) != 0) {
                interrupts.configChange();
            }
        }
    }

    private void reset() {
        if (activation != null) {
            activation.valid = false;
            activation = null;
        }
        device.reset();
        for (int i = 0; i < queueCount; i++) {
            if (queues[i] != null) {
                QueueCloser.close(queues[i]);
                queues[i] = null;
            }
            pendingNotify[i] = false;
        }
        status = 0;
        driverFeatures = 0;
        needsResetReason = null;
        quiesced = false;
        resetRegisters();
    }

    @Override
    public int queueCount() {
        return queueCount;
    }

    @Override
    public int maxQueueSize(int queue) {
        checkQueue(queue);
        return device.maxQueueSize(queue);
    }

    @Override
    public int queueSize(int queue) {
        synchronized (lock) {
            checkQueue(queue);
            return registers[queue].size();
        }
    }

    @Override
    public void setQueueSize(int queue, int size) {
        synchronized (lock) {
            if (queueWritable(queue)) {
                registers[queue] = withSize(registers[queue], size);
            }
        }
    }

    @Override
    public void setQueueAddresses(int queue, GuestAddress descArea, GuestAddress driverArea, GuestAddress deviceArea) {
        synchronized (lock) {
            if (queueWritable(queue)) {
                QueueState s = registers[queue];
                registers[queue] = new QueueState(queue, s.format(), s.size(), descArea, driverArea, deviceArea,
                        s.ready(), 0, true, 0, true, true);
            }
        }
    }

    @Override
    public boolean queueReady(int queue) {
        synchronized (lock) {
            checkQueue(queue);
            return registers[queue].ready();
        }
    }

    @Override
    public void setQueueReady(int queue, boolean ready) {
        synchronized (lock) {
            if (!queueWritable(queue)) {
                return;
            }
            QueueState s = registers[queue];
            registers[queue] = new QueueState(queue, s.format(), s.size(), s.descArea(), s.driverArea(),
                    s.deviceArea(), ready, 0, true, 0, true, true);
            if (ready) {
                inReset[queue] = false;
                if ((status & DeviceStatus.DRIVER_OK) != 0) {
                    reEnable(queue);
                }
            }
        }
    }

    /**
     * §2.6.1.2: a queue enabled after DRIVER_OK (only possible with VIRTIO_F_RING_RESET) opens at once with
     * the configuration the driver wrote since the reset; the device finds it through its context.
     */
    private void reEnable(int queue) {
        if (activation == null || (status & DeviceStatus.DEVICE_NEEDS_RESET) != 0) {
            return; // not driven until the driver resets the device
        }
        try {
            queues[queue] = open(registers[queue], queue);
        } catch (QueueSetupException e) {
            markNeedsReset("queue " + queue + " re-enabled: " + e.getMessage());
        }
    }

    private boolean ringResetNegotiated() {
        return (status & DeviceStatus.FEATURES_OK) != 0
                && VirtioFeatures.has(driverFeatures, VirtioFeatures.RING_RESET);
    }

    @Override
    public void resetQueue(int queue) {
        synchronized (lock) {
            if (queue < 0 || queue >= queueCount) {
                LOG.log(Level.WARNING, "{0}: reset of queue {1}, which does not exist, ignored", name, queue);
                return;
            }
            if (!ringResetNegotiated()) {
                LOG.log(Level.WARNING, "{0}: queue {1} reset without VIRTIO_F_RING_RESET, ignored", name, queue);
                return;
            }
            // §2.6.1.1: no ring access and no notification for this queue from here on.
            VirtQueue old = queues[queue];
            queues[queue] = null;
            if (old != null) {
                QueueCloser.close(old);
            }
            pendingNotify[queue] = false;
            if (activation != null) {
                device.queueReset(queue);
            }
            registers[queue] = defaultRegisters(queue);
            inReset[queue] = true;
        }
    }

    @Override
    public boolean queueInReset(int queue) {
        synchronized (lock) {
            checkQueue(queue);
            return inReset[queue];
        }
    }

    /**
     * Queue registers are the driver's to set between FEATURES_OK and DRIVER_OK (§3.1.1 step 7); with
     * VIRTIO_F_RING_RESET also after DRIVER_OK for a queue that is not enabled (§2.6.1.2).
     */
    private boolean queueWritable(int queue) {
        if (queue < 0 || queue >= queueCount) {
            LOG.log(Level.WARNING, "{0}: access to queue {1}, which does not exist, ignored", name, queue);
            return false;
        }
        if ((status & DeviceStatus.DRIVER_OK) != 0 && (!ringResetNegotiated() || registers[queue].ready())) {
            LOG.log(Level.WARNING, "{0}: queue {1} registers written after DRIVER_OK, ignored", name, queue);
            return false;
        }
        return true;
    }

    private void checkQueue(int queue) {
        if (queue < 0 || queue >= queueCount) {
            throw new IndexOutOfBoundsException("queue " + queue + " of " + queueCount);
        }
    }

    @Override
    public QueueFormat queueFormat() {
        return VirtioFeatures.has(driverFeatures, VirtioFeatures.RING_PACKED)
                && (status & DeviceStatus.FEATURES_OK) != 0 ? QueueFormat.PACKED : QueueFormat.SPLIT;
    }

    @Override
    public int configGeneration() {
        synchronized (lock) {
            return configGeneration;
        }
    }

    @Override
    public int configSize() {
        return device.configSize();
    }

    @Override
    public long readConfig(int offset, int width) {
        checkWidth(width);
        synchronized (lock) {
            if (offset < 0 || offset > device.configSize() - width) {
                return 0;
            }
            byte[] b = new byte[width];
            device.readConfig(offset, b);
            long v = 0;
            for (int i = width - 1; i >= 0; i--) {
                v = (v << 8) | (b[i] & 0xff);
            }
            return v;
        }
    }

    @Override
    public void writeConfig(int offset, int width, long value) {
        checkWidth(width);
        synchronized (lock) {
            if (offset < 0 || offset > device.configSize() - width) {
                LOG.log(Level.WARNING, "{0}: config write at {1}+{2} outside {3} bytes, ignored", name, offset, width,
                        device.configSize());
                return;
            }
            byte[] b = new byte[width];
            for (int i = 0; i < width; i++) {
                b[i] = (byte) (value >>> (8 * i));
            }
            device.writeConfig(offset, b);
        }
    }

    private static void checkWidth(int width) {
        if (width != 1 && width != 2 && width != 4 && width != 8) {
            throw new IllegalArgumentException("config access width " + width);
        }
    }

    @Override
    public void notifyQueue(int queue) {
        synchronized (lock) {
            if (queue < 0 || queue >= queueCount) {
                LOG.log(Level.DEBUG, "{0}: notification for queue {1}, which does not exist, ignored", name, queue);
                return;
            }
            // §2.1.2: nothing is consumed before DRIVER_OK; spurious notifications are harmless (§2.7.10.2).
            if (activation == null || queues[queue] == null) {
                return;
            }
            // A device that asked for a reset is not driven further until the driver resets it.
            if ((status & DeviceStatus.DEVICE_NEEDS_RESET) != 0) {
                return;
            }
            if (quiesced) {
                pendingNotify[queue] = true;
                return;
            }
            device.queueNotified(queue);
        }
    }

    @Override
    public void quiesce() {
        synchronized (lock) {
            if (quiesced) {
                return;
            }
            quiesced = true;
            if (activation != null) {
                device.quiesce();
            }
        }
    }

    @Override
    public DeviceSnapshot snapshot() {
        synchronized (lock) {
            if (!quiesced) {
                throw new IllegalStateException(name + ": quiesce before taking a snapshot");
            }
            List<QueueState> states = new ArrayList<>(queueCount);
            for (int i = 0; i < queueCount; i++) {
                states.add(queues[i] != null ? queues[i].state() : registers[i]);
            }
            byte[] config = new byte[device.configSize()];
            if (config.length > 0) {
                device.readConfig(0, config);
            }
            return new DeviceSnapshot(device.deviceType(), offered, driverFeatures, status, configGeneration, states,
                    config, device.saveState());
        }
    }

    @Override
    public void restore(DeviceSnapshot s) {
        synchronized (lock) {
            if (status != 0 || activation != null) {
                throw new IllegalStateException(name + ": restore needs a host in the reset state");
            }
            if (s.deviceType() != device.deviceType()) {
                throw new IllegalArgumentException(name + ": snapshot of device type " + s.deviceType()
                        + " cannot restore into type " + device.deviceType());
            }
            if ((s.driverFeatures() & ~offered) != 0) {
                throw new IllegalArgumentException(name + ": snapshot has negotiated features 0x"
                        + Long.toHexString(s.driverFeatures() & ~offered) + " this implementation does not offer");
            }
            if (s.queues().size() != queueCount) {
                throw new IllegalArgumentException(name + ": snapshot has " + s.queues().size() + " queues, device has "
                        + queueCount);
            }
            if (s.config().length != device.configSize()) {
                throw new IllegalArgumentException(name + ": snapshot config is " + s.config().length
                        + " bytes, device config is " + device.configSize());
            }
            if ((s.status() & ~0xff) != 0 || ((s.status() & DeviceStatus.DRIVER_OK) != 0
                    && (s.status() & DeviceStatus.FEATURES_OK) == 0)) {
                throw new IllegalArgumentException(name + ": snapshot status " + s.status() + " is not reachable");
            }
            boolean driverOk = (s.status() & DeviceStatus.DRIVER_OK) != 0
                    && (s.status() & DeviceStatus.DEVICE_NEEDS_RESET) == 0;
            QueueFormat format = VirtioFeatures.has(s.driverFeatures(), VirtioFeatures.RING_PACKED) ? QueueFormat.PACKED
                    : QueueFormat.SPLIT;
            VirtQueue[] opened = new VirtQueue[queueCount];
            for (int i = 0; i < queueCount; i++) {
                QueueState q = s.queues().get(i);
                if (q.index() != i) {
                    throw new IllegalArgumentException(name + ": snapshot queue " + i + " carries index " + q.index());
                }
                if (driverOk && q.ready()) {
                    if (q.format() != format) {
                        throw new IllegalArgumentException(name + ": queue " + i + " format " + q.format()
                                + " contradicts the negotiated features");
                    }
                    try {
                        opened[i] = VirtQueues.open(q, device.maxQueueSize(i), memory, s.driverFeatures(), translator,
                                this::usedBuffer, this::queueFailed);
                    } catch (QueueSetupException e) {
                        throw new IllegalArgumentException(name + ": snapshot queue " + i + ": " + e.getMessage(), e);
                    }
                }
            }
            device.restoreState(s.deviceState());
            System.arraycopy(opened, 0, queues, 0, queueCount);
            for (int i = 0; i < queueCount; i++) {
                registers[i] = s.queues().get(i);
            }
            driverFeatures = s.driverFeatures();
            status = s.status();
            configGeneration = s.configGeneration();
            quiesced = true;
            Arrays.fill(pendingNotify, true);
            if (driverOk) {
                activation = new Activation();
                device.activate(activation);
            }
        }
    }

    @Override
    public void resume() {
        synchronized (lock) {
            if (!quiesced) {
                return;
            }
            quiesced = false;
            for (int i = 0; i < queueCount; i++) {
                if (pendingNotify[i]) {
                    pendingNotify[i] = false;
                    if (activation != null && queues[i] != null && (status & DeviceStatus.DEVICE_NEEDS_RESET) == 0) {
                        device.queueNotified(i);
                    }
                }
            }
        }
    }

    @Override
    public VirtioDevice swapDevice(VirtioDevice replacement) {
        Objects.requireNonNull(replacement, "replacement");
        VirtioDevice old;
        synchronized (lock) {
            old = device;
            if (replacement == old) {
                throw new IllegalArgumentException(name + ": the replacement is the device already served");
            }
            if (replacement.deviceType() != old.deviceType()) {
                throw new IllegalArgumentException(name + ": cannot swap device type " + old.deviceType() + " for type "
                        + replacement.deviceType());
            }
            if (replacement.queueCount() != queueCount) {
                throw new IllegalArgumentException(name + ": replacement has " + replacement.queueCount()
                        + " queues, the driver set up " + queueCount);
            }
            if (replacement.configSize() != old.configSize()) {
                throw new IllegalArgumentException(name + ": replacement config is " + replacement.configSize()
                        + " bytes, the driver sees " + old.configSize());
            }
            long missing = offered & DEVICE_FEATURE_MASK & ~CORE_FEATURES & ~replacement.deviceFeatures();
            if (missing != 0) {
                throw new IllegalArgumentException(name + ": replacement does not offer features 0x"
                        + Long.toHexString(missing) + " the driver was offered");
            }
            for (int i = 0; i < queueCount; i++) {
                int size = registers[i].size();
                if (replacement.maxQueueSize(i) < size) {
                    throw new IllegalArgumentException(name + ": replacement's queue " + i + " holds at most "
                            + replacement.maxQueueSize(i) + " entries, the driver uses " + size);
                }
            }
            // The old device finishes what it holds; its state moves over; its context dies so a late
            // callback from it changes nothing. The queues themselves (ring positions) never change hands.
            if (activation != null) {
                old.quiesce();
            }
            try {
                replacement.restoreState(old.saveState());
            } catch (RuntimeException e) {
                // Refused: the old device serves on; wake it for whatever arrived while it was quiesced.
                if (activation != null && !quiesced) {
                    for (int i = 0; i < queueCount; i++) {
                        if (queues[i] != null) {
                            old.queueNotified(i);
                        }
                    }
                }
                throw e;
            }
            if (activation != null) {
                activation.valid = false;
                activation = new Activation();
            }
            device = replacement;
            if (activation != null) {
                replacement.activate(activation);
                for (int i = 0; i < queueCount; i++) {
                    if (queues[i] == null || (status & DeviceStatus.DEVICE_NEEDS_RESET) != 0) {
                        continue;
                    }
                    if (quiesced) {
                        pendingNotify[i] = true;
                    } else {
                        // Requests the driver queued during the swap, whose notification the old device swallowed.
                        replacement.queueNotified(i);
                    }
                }
            }
        }
        // Logged after the lock is released: the first log call can take tens of milliseconds, and the
        // guest's queues wait on that lock.
        LOG.log(Level.INFO, "{0}: device implementation swapped: {1} -> {2}", name, old.getClass().getName(),
                replacement.getClass().getName());
        return old;
    }

    @Override
    public String needsResetReason() {
        synchronized (lock) {
            return needsResetReason;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name + " (type " + device.deviceType() + ", " + DeviceStatus.describe(status()) + ")";
    }

    /** The context of one activation; dead after reset so a late device callback changes nothing. */
    private final class Activation implements DeviceContext {
        volatile boolean valid = true;

        @Override
        public long negotiatedFeatures() {
            return driverFeatures;
        }

        @Override
        public VirtQueue queue(int index) {
            if (!valid || index < 0 || index >= queueCount) {
                return null;
            }
            return queues[index];
        }

        @Override
        public GuestMemory memory() {
            return memory;
        }

        @Override
        public void configChanged() {
            synchronized (lock) {
                if (!valid) {
                    return;
                }
                configGeneration++;
                if ((status & DeviceStatus.DRIVER_OK) != 0) {
                    interrupts.configChange();
                }
            }
        }

        @Override
        public void needsReset(String reason) {
            if (valid) {
                markNeedsReset(reason);
            }
        }

        @Override
        public String name() {
            return name;
        }
    }
}
