package org.virtio.kvm.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Handles guest accesses to guest-physical addresses that no memory slot maps (KVM_EXIT_MMIO), and
 * writes to read-only slots. Called on vCPU threads, concurrently when the VM has several vCPUs. An
 * MMIO write caught by an ioeventfd ({@link KvmVm#ioEventFd}) never reaches the handler. A handler that
 * throws stops the VM ({@link VcpuStop.Reason#HANDLER_FAILED}).
 */
@ConsumerType
public interface MmioHandler {
    /**
     * The guest read.
     *
     * @param address the guest-physical address
     * @param length  1 to 8 bytes
     * @return the value read, little-endian; only its low {@code length} bytes reach the guest
     */
    long read(long address, int length);

    /**
     * The guest wrote.
     *
     * @param address the guest-physical address
     * @param length  1 to 8 bytes
     * @param value   the bytes written as a little-endian value, zero-extended
     */
    void write(long address, int length, long value);
}
