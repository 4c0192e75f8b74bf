package org.virtio.device.input;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one virtio-input device. Written from the queue thread and from event-injecting threads, so
 * they are {@link LongAdder}s; any thread reads current values.
 */
public final class InputMetrics {
    private final LongAdder eventsQueued = new LongAdder();
    private final LongAdder eventsDelivered = new LongAdder();
    private final LongAdder eventsDropped = new LongAdder();
    private final LongAdder eventsDroppedNotReady = new LongAdder();
    private final LongAdder statusEvents = new LongAdder();
    private final LongAdder ledEvents = new LongAdder();
    private final LongAdder malformedChains = new LongAdder();
    private final LongAdder commands = new LongAdder();
    private final LongAdder commandErrors = new LongAdder();

    /** Counters start at zero; only the device creates them. */
    InputMetrics() {
    }

    void queued(int events) {
        eventsQueued.add(events);
    }

    void delivered() {
        eventsDelivered.increment();
    }

    void dropped(int events) {
        eventsDropped.add(events);
    }

    void droppedNotReady(int events) {
        eventsDroppedNotReady.add(events);
    }

    void status(boolean led) {
        statusEvents.increment();
        if (led) {
            ledEvents.increment();
        }
    }

    void malformed() {
        malformedChains.increment();
    }

    /** @param ok whether a backend command line was understood */
    void command(boolean ok) {
        if (ok) {
            commands.increment();
        } else {
            commandErrors.increment();
        }
    }

    /** @return events accepted for delivery (each key action is its event plus a SYN_REPORT) */
    public long eventsQueued() {
        return eventsQueued.sum();
    }

    /** @return events written into eventq buffers */
    public long eventsDelivered() {
        return eventsDelivered.sum();
    }

    /** @return events dropped because the bounded pending queue was full */
    public long eventsDropped() {
        return eventsDropped.sum();
    }

    /** @return events dropped because the driver was not running (including those pending at a reset) */
    public long eventsDroppedNotReady() {
        return eventsDroppedNotReady.sum();
    }

    /** @return well-formed status events consumed from the statusq */
    public long statusEvents() {
        return statusEvents.sum();
    }

    /** @return of those, EV_LED events */
    public long ledEvents() {
        return ledEvents.sum();
    }

    /** @return eventq or statusq chains returned unused because they were malformed */
    public long malformedChains() {
        return malformedChains.sum();
    }

    /** @return backend command lines executed */
    public long commands() {
        return commands.sum();
    }

    /** @return backend command lines rejected */
    public long commandErrors() {
        return commandErrors.sum();
    }

    @Override
    public String toString() {
        return "queued=" + eventsQueued() + " delivered=" + eventsDelivered() + " dropped=" + eventsDropped()
                + " droppedNotReady=" + eventsDroppedNotReady() + " status=" + statusEvents() + " led="
                + ledEvents() + " malformed=" + malformedChains() + " commands=" + commands()
                + " commandErrors=" + commandErrors();
    }
}
