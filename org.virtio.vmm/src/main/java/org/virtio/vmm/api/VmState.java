package org.virtio.vmm.api;

/** Where a VM is in its life. */
public enum VmState {
    /** The configuration is valid; the machine is not running (never started, or stopped by request). */
    DEFINED,
    /** The vCPUs run. */
    RUNNING,
    /** The vCPUs are halted by {@link VmManager#pause}; guest memory and device state are kept. */
    PAUSED,
    /** The guest reset the machine through the i8042 (its orderly end); the VM can be started again. */
    RESET,
    /** The guest crashed (triple fault), a vCPU failed, or the machine could not be built or started. */
    FAILED,
    /** The configuration was rejected; {@link VmInfo#errors()} says which file, key and why. */
    INVALID
}
