package org.virtio.transport.mmio.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The interrupt line of one MMIO window, edge-style: {@link #raise()} is one pulse (for KVM, one signal
 * of an irqfd, KVM_IRQFD). The level semantics the driver sees come from the registers: a bit stays set
 * in InterruptStatus from the event until the driver writes it to InterruptACK (§4.2.2.1), and every new
 * event raises the line again, so an event that arrives while the driver's handler runs is not lost.
 */
@ConsumerType
@FunctionalInterface
public interface InterruptTrigger {
    /** A line that goes nowhere, for windows nobody listens to. */
    InterruptTrigger NONE = () -> { };

    /** Pulses the line. Called on device threads; must not block and must not throw. */
    void raise();
}
