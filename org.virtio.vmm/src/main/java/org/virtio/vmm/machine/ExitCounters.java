package org.virtio.vmm.machine;

/**
 * vCPU exits to the VMM since the machine was built, over all vCPUs.
 *
 * @param pio           port I/O exits (KVM_EXIT_IO)
 * @param mmio          MMIO exits (KVM_EXIT_MMIO); ioeventfd-caught QueueNotify writes are not exits
 * @param unclaimedPio  port accesses no device claimed
 * @param unclaimedMmio MMIO accesses no device or window claimed
 * @param runs          vCPU runs started: 1 for {@link Machine#start()}, +1 per {@link Machine#resume()}
 */
public record ExitCounters(long pio, long mmio, long unclaimedPio, long unclaimedMmio, long runs) {
}
