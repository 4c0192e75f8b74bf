package org.virtio.kvm.api;

import org.virtio.core.memory.GuestAddress;

/**
 * One KVM memory slot: guest-physical range and whether guest writes to it exit as MMIO.
 *
 * @param slot     the KVM slot number
 * @param start    the first guest-physical address
 * @param size     bytes
 * @param readOnly whether the slot was mapped with KVM_MEM_READONLY
 */
public record MemorySlot(int slot, GuestAddress start, long size, boolean readOnly) {
}
