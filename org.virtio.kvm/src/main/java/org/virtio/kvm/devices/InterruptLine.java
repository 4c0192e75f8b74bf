package org.virtio.kvm.devices;

import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.annotation.versioning.ConsumerType;
import org.virtio.kvm.api.EventFd;
import org.virtio.kvm.api.KvmException;

/**
 * A device's interrupt output, as a level: the device calls {@link #set(boolean)} whenever it
 * re-evaluates its interrupt condition (asserted while some enabled cause is pending), possibly with
 * the level it already had.
 *
 * <p><b>Level to edge.</b> A KVM irqfd ({@link org.virtio.kvm.api.KvmVm#irqFd}) pulses its GSI, which
 * the in-kernel PIC and IOAPIC see as one edge, as ISA interrupts are. {@link #edge(Runnable)} and
 * {@link #irqFd(EventFd)} map a level onto such a trigger: they fire on every rising edge (low to
 * high) and ignore the rest. That is what an ISA device's edge-triggered line does: a cause that
 * appears while another is still pending makes no new edge, which is why the 8250 driver's interrupt
 * handler loops until the IIR says "no interrupt pending" (the level drops), so the next cause raises
 * a fresh edge.
 */
@ConsumerType
@FunctionalInterface
public interface InterruptLine {

    /** A line connected to nothing. */
    InterruptLine NONE = asserted -> {
    };

    /**
     * Sets the line's level.
     *
     * @param asserted whether the device requests an interrupt
     */
    void set(boolean asserted);

    /**
     * A line that runs {@code trigger} on each rising edge of the level (starting low).
     *
     * @param trigger what raises the interrupt once, for example signalling an irqfd
     * @return the line
     */
    static InterruptLine edge(Runnable trigger) {
        AtomicBoolean level = new AtomicBoolean();
        return asserted -> {
            if (!asserted) {
                level.set(false);
            } else if (!level.getAndSet(true)) {
                trigger.run();
            }
        };
    }

    /**
     * A line that signals a KVM irqfd on each rising edge (see the type's description).
     *
     * @param irqFd an irqfd from {@link org.virtio.kvm.api.KvmVm#irqFd(int)}
     * @return the line; it throws {@link IllegalStateException} when the signal fails (the irqfd was
     *         closed), which on a vCPU thread stops the VM naming the cause
     */
    static InterruptLine irqFd(EventFd irqFd) {
        return edge(() -> {
            try {
                irqFd.signal();
            } catch (KvmException e) {
                throw new IllegalStateException("signalling irqfd " + irqFd.fd() + " failed: " + e.getMessage(), e);
            }
        });
    }
}
