package org.virtio.core.internal.queue;

import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.memory.Access;
import org.virtio.core.memory.AddressTranslator;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.MemoryError;
import org.virtio.core.queue.QueueFailureHandler;
import org.virtio.core.queue.UsedBufferNotifier;

/**
 * What a queue needs from its device: guest memory (behind the IOMMU when one translates), the negotiated
 * ring features, and where to send interrupts and failures. Also the one place device addresses become
 * guest-physical ones.
 */
public final class QueueContext {
    final GuestMemory memory;
    final AddressTranslator translator;
    final boolean eventIdx;
    final boolean indirect;
    final boolean inOrder;
    final UsedBufferNotifier notifier;
    final QueueFailureHandler onFailure;

    /**
     * @param memory     guest memory
     * @param translator IOMMU, or null for identity
     * @param features   negotiated features
     * @param notifier   interrupt sender
     * @param onFailure  failure report
     */
    public QueueContext(GuestMemory memory, AddressTranslator translator, long features, UsedBufferNotifier notifier,
            QueueFailureHandler onFailure) {
        this.memory = memory;
        this.translator = VirtioFeatures.has(features, VirtioFeatures.ACCESS_PLATFORM) ? translator : null;
        this.eventIdx = VirtioFeatures.has(features, VirtioFeatures.EVENT_IDX);
        this.indirect = VirtioFeatures.has(features, VirtioFeatures.INDIRECT_DESC);
        this.inOrder = VirtioFeatures.has(features, VirtioFeatures.IN_ORDER);
        this.notifier = notifier;
        this.onFailure = onFailure;
    }

    /**
     * Resolves a device range that must be contiguous in guest-physical memory (ring areas, indirect
     * tables).
     *
     * @return the guest-physical address of the first byte
     */
    long contiguous(long addr, long length, Access access) throws GuestMemoryException {
        if (translator == null) {
            memory.regionIndex(addr, length, access);
            return addr;
        }
        long end = addr + length;
        if (length < 0 || Long.compareUnsigned(end, addr) < 0) {
            throw new GuestMemoryException(MemoryError.OVERFLOW, addr, length);
        }
        long granule = 1L << translator.granuleShift();
        long first = translator.translate(addr, access);
        long iova = addr;
        while (Long.compareUnsigned(iova, end) < 0) {
            long n = Math.min(end - iova, granule - (iova & (granule - 1)));
            long gpa = translator.translate(iova, access);
            if (gpa != first + (iova - addr)) {
                throw new GuestMemoryException(MemoryError.TRANSLATION_FAULT, addr, length);
            }
            iova += n;
        }
        memory.regionIndex(first, length, access);
        return first;
    }

    /** Resolves one buffer into chain elements, splitting it where IOMMU mappings are not contiguous. */
    void appendBuffer(ChainImpl chain, long addr, long length, boolean writable, int maxElements)
            throws GuestMemoryException, ChainTooLongException {
        Access access = writable ? Access.WRITE : Access.READ;
        if (translator == null) {
            int r = memory.regionIndex(addr, length, access);
            chain.append(addr, length, writable, r, addr - memory.regionStart(r), maxElements);
            return;
        }
        appendTranslated(chain, addr, length, writable, access, maxElements);
    }

    /** The IOMMU path of {@link #appendBuffer}: granule by granule, merging contiguous pieces. */
    private void appendTranslated(ChainImpl chain, long addr, long length, boolean writable, Access access,
            int maxElements) throws GuestMemoryException, ChainTooLongException {
        long end = addr + length;
        if (Long.compareUnsigned(end, addr) < 0) {
            throw new GuestMemoryException(MemoryError.OVERFLOW, addr, length);
        }
        long granule = 1L << translator.granuleShift();
        long iova = addr;
        while (Long.compareUnsigned(iova, end) < 0) {
            long n = Math.min(end - iova, granule - (iova & (granule - 1)));
            long gpa = translator.translate(iova, access);
            int r = memory.regionIndex(gpa, n, access);
            long offset = gpa - memory.regionStart(r);
            if (iova == addr || !chain.extendLast(gpa, n, writable, r, offset)) {
                chain.append(gpa, n, writable, r, offset, maxElements);
            }
            iova += n;
        }
    }

    /** Thrown inside a walk when a chain needs more elements than allowed; never leaves the queue. */
    static final class ChainTooLongException extends Exception {
        private static final long serialVersionUID = 1L;
        static final ChainTooLongException INSTANCE = new ChainTooLongException();

        private ChainTooLongException() {
            super(null, null, false, false);
        }
    }
}
