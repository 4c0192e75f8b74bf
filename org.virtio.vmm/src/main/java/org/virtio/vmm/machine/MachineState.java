package org.virtio.vmm.machine;

/** Where a {@link Machine} is. */
public enum MachineState {
    /** Built, vCPUs not started yet. */
    CREATED,
    /** vCPU threads run the guest. */
    RUNNING,
    /** vCPUs halted by {@link Machine#pause()}; guest memory, vCPU and device state kept. */
    PAUSED,
    /** The run ended ({@link Machine#exit()} says how); it cannot be restarted. */
    ENDED,
    /** {@link Machine#close()} released everything. */
    CLOSED
}
