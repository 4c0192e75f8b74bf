package org.virtio.vmm.api;

/**
 * How often the vCPUs left the guest for the VMM, summed over all vCPUs since the VM was built. Writes
 * caught by an ioeventfd (virtio QueueNotify) cause no exit and are not counted here; they appear as
 * {@link QueueInfo#notifications()}.
 *
 * @param pio           port I/O exits (KVM_EXIT_IO): 16550, i8042, CMOS, PCI probing
 * @param mmio          MMIO exits (KVM_EXIT_MMIO): virtio-mmio register accesses and unclaimed addresses
 * @param unclaimedPio  port accesses no device claimed (reads returned all ones, writes dropped)
 * @param unclaimedMmio MMIO accesses no device claimed
 * @param runs          how often the vCPUs were started (start, plus one per resume)
 */
public record ExitCounts(long pio, long mmio, long unclaimedPio, long unclaimedMmio, long runs) {
    /** No exits. */
    public static final ExitCounts NONE = new ExitCounts(0, 0, 0, 0, 0);
}
