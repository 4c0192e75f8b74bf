package org.virtio.vmm.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Settings of the VM manager itself (PID {@value #PID}, optional). */
@ObjectClassDefinition(id = ManagerConfiguration.PID, name = "VirtIO VM manager")
@interface ManagerConfiguration {
    /** The configuration PID. */
    String PID = "org.virtio.vmm";

    /**
     * @return how long a device whose factory went away keeps serving, waiting for a factory of the same
     *         type to come back (a bundle update) so it can be swapped instead of detached
     */
    @AttributeDefinition(name = "Swap grace period (ms)", min = "0", max = "600000",
            description = "How long a device whose factory went away keeps serving while a new factory of its type is awaited.")
    long swap_grace_ms() default 5000;

    /**
     * @return how long a VM with {@code autostart=true} waits for the factories of its configured devices
     *         (device bundles starting after this one) before it starts without them
     */
    @AttributeDefinition(name = "Autostart wait (ms)", min = "0", max = "600000",
            description = "How long an autostart VM waits for its devices' factories before starting without them.")
    long autostart_wait_ms() default 30000;
}
