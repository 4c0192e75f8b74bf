package org.virtio.kvm.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Handles the guest's port I/O (KVM_EXIT_IO). Called on vCPU threads, concurrently when the VM has
 * several vCPUs; string instructions ({@code rep outsb}) arrive as one call per element. A handler that
 * throws stops the VM ({@link VcpuStop.Reason#HANDLER_FAILED}); it should answer unknown ports itself
 * (reads of nothing usually return all ones).
 */
@ConsumerType
public interface PortIoHandler {
    /**
     * The guest executed IN.
     *
     * @param port the I/O port, 0..0xffff
     * @param size 1, 2 or 4 bytes
     * @return the value read; only its low {@code size} bytes reach the guest
     */
    int in(int port, int size);

    /**
     * The guest executed OUT.
     *
     * @param port  the I/O port, 0..0xffff
     * @param size  1, 2 or 4 bytes
     * @param value the value written, zero-extended from {@code size} bytes
     */
    void out(int port, int size, int value);
}
