package org.virtio.vmm.machine;

/**
 * How a machine's run ended.
 *
 * @param kind    the kind of ending
 * @param message a description (the vCPU stop for {@link Kind#FAILED})
 */
public record MachineExit(Kind kind, String message) {
    /** The kinds of ending. */
    public enum Kind {
        /** The guest reset the machine through the i8042 (0xFE on port 0x64): the orderly end. */
        RESET,
        /** {@link Machine#stop()} was called. */
        STOPPED,
        /** The guest crashed (triple fault / shutdown) or a vCPU failed. */
        FAILED
    }
}
