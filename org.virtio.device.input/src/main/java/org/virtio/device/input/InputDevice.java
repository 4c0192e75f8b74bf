package org.virtio.device.input;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.HeldChains;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;
import org.virtio.device.input.api.KeyCodes;
import org.virtio.device.input.api.KeyboardInput;
import org.virtio.device.input.backend.KeyCommand;
import org.virtio.device.input.backend.KeyCommandSource;

/**
 * The virtio input device (VirtIO 1.3 §5.8) as a keyboard: device id 18, no feature bits, two queues —
 * {@code eventq} (0, device to driver) and {@code statusq} (1, driver to device) — and the select/subsel
 * configuration space of {@link InputConfigSpace}.
 *
 * <p><b>Events</b> come from the host through {@link KeyboardInput} (this device implements it) on any
 * thread: each key press or release is an {@code EV_KEY} event followed by {@code EV_SYN/SYN_REPORT}, one
 * 8-byte {@code virtio_input_event} per eventq buffer. The device pops eventq buffers when notified and
 * holds them; an event is written when both an event and a buffer exist, from whichever thread brought the
 * missing half. Events without a buffer wait in a bounded {@link PendingEvents} queue of
 * {@code queueEvents} key actions; beyond that, new actions are dropped whole (an event and its SYN_REPORT
 * together, as §5.8.6.1 asks) and counted. The release of a key whose press was queued is always
 * accepted (the ring keeps room for one release per key), so dropping never leaves a key stuck down.
 * Events while the driver is not running are dropped and counted.
 *
 * <p><b>Status</b>: statusq buffers are parsed by {@link InputRequest}, counted, and LED events update
 * {@link #leds()}; every statusq buffer is returned with used length 0.
 *
 * <p><b>Guest mistakes</b> (an eventq buffer that cannot hold an event, a statusq buffer that is not one
 * readable event) return that chain with used length 0, are counted in {@link InputMetrics#malformedChains},
 * and the device keeps serving; ring-level mistakes are the core's (DEVICE_NEEDS_RESET).
 *
 * <p><b>Threads</b>: the eventq, the held buffers and the pending events are touched only under
 * {@link #eventLock}. The device host's lock, held around every call into the device, is always taken
 * before {@link #eventLock}, never after: the injecting thread never calls back into the host (popping,
 * which can break a queue and report to the host, happens only on the queue thread).
 *
 * <p>An optional {@link KeyCommandSource} (FIFO, file or unix socket) is started at the first DRIVER_OK
 * and stopped by {@link #close}.
 */
public final class InputDevice implements VirtioDevice, KeyboardInput, AutoCloseable {
    /** Index of {@code eventq} (§5.8.2). */
    public static final int EVENT_QUEUE = 0;
    /** Index of {@code statusq} (§5.8.2). */
    public static final int STATUS_QUEUE = 1;
    /** Largest queue size the device accepts. */
    public static final int MAX_QUEUE_SIZE = 256;
    /** Events per key action: the EV_KEY event and its SYN_REPORT. */
    static final int EVENTS_PER_ACTION = 2;

    private static final Logger LOG = System.getLogger(InputDevice.class.getName());
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final InputConfigSpace config;
    private final InputMetrics metrics = new InputMetrics();
    private final InputRequest request = new InputRequest();
    private final int queueEvents;
    private final KeyCommandSource source;
    private final KeyCommandSource.CommandHandler commandHandler = this::command;

    /** Guards everything below up to {@link #context}. */
    private final ReentrantLock eventLock = new ReentrantLock();
    private final PendingEvents pending;
    /** Eventq buffers popped and not yet filled, the eventq ring, and whether held buffers may be filled. */
    private final HeldChains posted = new HeldChains(EVENT_QUEUE, MAX_QUEUE_SIZE);
    /** Keys whose press was queued and release not yet. */
    private final boolean[] down = new boolean[KeyCodes.MAX_CODE + 1];
    private final MemorySegment eventScratch = MemorySegment.ofArray(new byte[InputSpec.EVENT_SIZE]);
    /** Between DRIVER_OK and reset; written under {@link #eventLock}. */
    private volatile boolean active;

    /** Queue thread only. */
    private DeviceContext context;
    private volatile int leds;
    private volatile String name = "input";
    private boolean sourceStarted;

    /**
     * @param deviceName  ID_NAME, 1 to 128 bytes
     * @param serial      ID_SERIAL, 0 to 128 bytes
     * @param queueEvents key actions kept while the driver has no eventq buffer, at least 1
     * @param source      where key commands come from, or null
     */
    public InputDevice(byte[] deviceName, byte[] serial, int queueEvents, KeyCommandSource source) {
        if (queueEvents < 1) {
            throw new IllegalArgumentException("queueEvents must be positive: " + queueEvents);
        }
        this.config = new InputConfigSpace(deviceName, serial);
        this.queueEvents = queueEvents;
        this.source = source;
        // Room for the bound plus one release per key, so a release of a pressed key always fits.
        this.pending = new PendingEvents(EVENTS_PER_ACTION * (queueEvents + KeyCodes.MAX_CODE + 1));
    }

    @Override
    public int deviceType() {
        return DeviceType.INPUT;
    }

    /** @return 0: virtio-input defines no feature bits (§5.8.3) */
    @Override
    public long deviceFeatures() {
        return 0;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int maxQueueSize(int queue) {
        if (queue != EVENT_QUEUE && queue != STATUS_QUEUE) {
            throw new IndexOutOfBoundsException("virtio-input has two queues, not " + queue);
        }
        return MAX_QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return InputSpec.CONFIG_SIZE;
    }

    @Override
    public void readConfig(int offset, byte[] dst) {
        config.read(offset, dst);
    }

    /** Select and subsel are the writable fields (§5.8.4); writes elsewhere are ignored. */
    @Override
    public void writeConfig(int offset, byte[] src) {
        config.write(offset, src);
    }

    @Override
    public void activate(DeviceContext ctx) {
        context = ctx;
        name = ctx.name();
        eventLock.lock();
        try {
            posted.activate(ctx);
            pending.clear();
            Arrays.fill(down, false);
            active = true;
        } finally {
            eventLock.unlock();
        }
        startSource();
    }

    /** The command source failing to start leaves the keyboard usable through {@link KeyboardInput}. */
    private void startSource() {
        if (source == null || sourceStarted) {
            return;
        }
        sourceStarted = true;
        try {
            source.start(commandHandler);
            LOG.log(Level.INFO, "{0}: reading key commands from {1}", name, source.description());
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "{0}: key commands from {1} unavailable: {2}", name, source.description(), e.toString());
        }
    }

    @Override
    public void queueNotified(int queue) {
        DeviceContext ctx = context;
        if (ctx == null) {
            return;
        }
        if (queue == EVENT_QUEUE) {
            eventNotified(ctx);
        } else if (queue == STATUS_QUEUE) {
            VirtQueue q = ctx.queue(STATUS_QUEUE);
            if (q != null) {
                consumeStatus(q);
            }
        }
    }

    /** The driver posted eventq buffers: take them all, then fill what the pending events allow. */
    private void eventNotified(DeviceContext ctx) {
        eventLock.lock();
        try {
            // After a queue reset (VIRTIO_F_RING_RESET) this is the re-enabled eventq's new ring.
            VirtQueue q = posted.resume(ctx);
            if (q == null) {
                return;
            }
            do {
                q.disableNotifications();
                DescriptorChain chain;
                while ((chain = q.pop()) != null) {
                    InputError error = InputRequest.checkEventBuffer(chain);
                    if (error != null) {
                        q.add(chain, fail(error));
                    } else {
                        posted.hold(chain);
                    }
                }
                deliverLocked(q);
                q.flush();
            } while (q.enableNotifications());
        } finally {
            eventLock.unlock();
        }
    }

    /** Fills held buffers with pending events, oldest first. Caller holds {@link #eventLock}. @return whether any was added */
    private boolean deliverLocked(VirtQueue q) {
        boolean added = false;
        while (!pending.isEmpty() && !posted.isEmpty()) {
            DescriptorChain chain = posted.next();
            writeEvent(chain, pending.poll());
            q.add(chain, InputSpec.EVENT_SIZE);
            metrics.delivered();
            added = true;
        }
        return added;
    }

    private void writeEvent(DescriptorChain chain, long event) {
        // Little-endian le16 type, le16 code, le32 value is the packed long with its halves swapped.
        long le = ((long) PendingEvents.value(event) << 32) | ((long) PendingEvents.code(event) << 16)
                | PendingEvents.type(event);
        eventScratch.set(LONG_LE, 0, le);
        chain.write(0, eventScratch, 0, InputSpec.EVENT_SIZE);
    }

    /** Consumes every statusq buffer: parse, count, track LEDs, return with used length 0. */
    private void consumeStatus(VirtQueue q) {
        do {
            q.disableNotifications();
            DescriptorChain chain;
            while ((chain = q.pop()) != null) {
                InputError error = request.parseStatus(chain);
                if (error != null) {
                    q.add(chain, fail(error));
                    continue;
                }
                boolean led = request.type() == InputSpec.EV_LED;
                metrics.status(led);
                if (led && request.code() < Integer.SIZE) {
                    int bit = 1 << request.code();
                    leds = request.value() != 0 ? leds | bit : leds & ~bit;
                }
                q.add(chain, 0);
            }
            q.flush();
        } while (q.enableNotifications());
    }

    /**
     * The one place a guest-side {@link InputError} becomes what the driver sees.
     *
     * @return the used length for the chain (0)
     */
    private int fail(InputError error) {
        if (error.outcome() != InputError.Outcome.USED_LENGTH_ZERO) {
            throw new AssertionError(error);
        }
        metrics.malformed();
        LOG.log(Level.DEBUG, "{0}: {1}, used length 0", name, error.message());
        return 0;
    }

    @Override
    public boolean press(int code) {
        return key(code, InputSpec.KEY_PRESSED);
    }

    @Override
    public boolean release(int code) {
        return key(code, InputSpec.KEY_RELEASED);
    }

    /** A release follows only a press that was accepted. */
    @Override
    public boolean tap(int code) {
        return press(code) && release(code);
    }

    @Override
    public int type(CharSequence text) {
        int[] keys = new int[text.length()];
        for (int i = 0; i < keys.length; i++) {
            char c = text.charAt(i);
            keys[i] = TextKeys.forChar(c);
            if (keys[i] < 0) {
                throw new IllegalArgumentException(String.format("character U+%04X at index %d cannot be typed on a US layout", (int) c, i));
            }
        }
        for (int i = 0; i < keys.length; i++) {
            boolean shift = (keys[i] & TextKeys.SHIFT) != 0;
            int code = keys[i] & ~TextKeys.SHIFT;
            boolean ok = !shift || press(KeyCodes.KEY_LEFTSHIFT);
            ok = ok && tap(code);
            if (shift) {
                ok = release(KeyCodes.KEY_LEFTSHIFT) && ok;
            }
            if (!ok) {
                return i;
            }
        }
        return keys.length;
    }

    @Override
    public boolean ready() {
        return active;
    }

    @Override
    public int leds() {
        return leds;
    }

    /** Queues one key action (its event and SYN_REPORT) and delivers what the held buffers allow. */
    private boolean key(int code, int value) {
        if (!KeyCodes.isSupported(code)) {
            throw new IllegalArgumentException("key code " + code + " is not supported by this keyboard");
        }
        eventLock.lock();
        try {
            if (!active) {
                metrics.droppedNotReady(EVENTS_PER_ACTION);
                return false;
            }
            boolean releaseOfDown = value == InputSpec.KEY_RELEASED && down[code];
            boolean fits = pending.size() + EVENTS_PER_ACTION <= EVENTS_PER_ACTION * queueEvents
                    || (releaseOfDown && pending.hasRoom(EVENTS_PER_ACTION));
            if (!fits) {
                metrics.dropped(EVENTS_PER_ACTION);
                LOG.log(Level.DEBUG, "{0}: {1}: {2} {3}", name, InputError.QUEUE_FULL.message(), KeyCodes.name(code), value);
                return false;
            }
            pending.add(PendingEvents.pack(InputSpec.EV_KEY, code, value));
            pending.add(PendingEvents.pack(InputSpec.EV_SYN, InputSpec.SYN_REPORT, 0));
            down[code] = value != InputSpec.KEY_RELEASED;
            metrics.queued(EVENTS_PER_ACTION);
            VirtQueue q = posted.queue();
            if (posted.delivering() && deliverLocked(q)) {
                q.flush();
            }
            return true;
        } finally {
            eventLock.unlock();
        }
    }

    /** One key-command line from the backend. */
    private String command(String line) {
        String reply = KeyCommand.execute(line, this);
        if (reply != null) {
            metrics.command(!reply.startsWith("error"));
        }
        return reply;
    }

    /**
     * Completes the held eventq buffers (so no chain is in flight for the snapshot) and holds delivery until
     * the next eventq notification. Each gets a lone SYN_REPORT rather than used length 0: Linux reads the
     * event without looking at the length, and the input core ignores a SYN_REPORT with nothing before it.
     */
    @Override
    public void quiesce() {
        eventLock.lock();
        try {
            posted.quiesce(chain -> {
                writeEvent(chain, PendingEvents.pack(InputSpec.EV_SYN, InputSpec.SYN_REPORT, 0));
                return InputSpec.EVENT_SIZE;
            });
        } finally {
            eventLock.unlock();
        }
    }

    /** The driver reset eventq (VIRTIO_F_RING_RESET): its held buffers belong to the old ring and are dropped. */
    @Override
    public void queueReset(int queue) {
        if (queue != EVENT_QUEUE) {
            return;
        }
        eventLock.lock();
        try {
            posted.queueReset();
        } finally {
            eventLock.unlock();
        }
    }

    @Override
    public void reset() {
        eventLock.lock();
        try {
            active = false;
            posted.reset();
            metrics.droppedNotReady(pending.clear());
            Arrays.fill(down, false);
        } finally {
            eventLock.unlock();
        }
        leds = 0;
        context = null;
    }

    /** Stops the key-command source, if any. The device must not be activated again. */
    @Override
    public void close() {
        if (source != null) {
            source.close();
        }
    }

    /** @return this device's counters */
    public InputMetrics metrics() {
        return metrics;
    }

    /** @return key actions kept while the driver has no eventq buffer */
    public int queueEvents() {
        return queueEvents;
    }

    /** @return events waiting for eventq buffers */
    public int pendingEvents() {
        eventLock.lock();
        try {
            return pending.size();
        } finally {
            eventLock.unlock();
        }
    }

    /** @return the key-command source, or null */
    public KeyCommandSource source() {
        return source;
    }

    @Override
    public String toString() {
        return "virtio-input keyboard (" + (source == null ? "no command source" : source.description())
                + ", " + queueEvents + " queued actions)";
    }
}
