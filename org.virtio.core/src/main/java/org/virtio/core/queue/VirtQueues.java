package org.virtio.core.queue;

import java.util.Objects;

import org.virtio.core.internal.queue.PackedVirtQueue;
import org.virtio.core.internal.queue.QueueContext;
import org.virtio.core.internal.queue.SplitVirtQueue;
import org.virtio.core.memory.AddressTranslator;
import org.virtio.core.memory.GuestMemory;

/** Opens the device side of a queue from the registers the driver programmed (or a snapshot). */
public final class VirtQueues {
    private VirtQueues() {
    }

    /**
     * Validates the state (size, alignment, ring areas in guest memory) and opens the queue.
     *
     * @param state      registers and ring positions; {@code state.ready()} must be true
     * @param maxSize    the device's maximum size for this queue
     * @param memory     guest memory
     * @param features   the negotiated features (ring format, EVENT_IDX, INDIRECT_DESC, IN_ORDER, ACCESS_PLATFORM)
     * @param translator IOMMU translation when ACCESS_PLATFORM is negotiated behind an IOMMU, else null
     * @param notifier   sends used buffer notifications
     * @param onFailure  told when the driver breaks the queue
     * @return the queue
     * @throws QueueSetupException when the driver's settings cannot be used
     */
    public static VirtQueue open(QueueState state, int maxSize, GuestMemory memory, long features,
            AddressTranslator translator, UsedBufferNotifier notifier, QueueFailureHandler onFailure)
            throws QueueSetupException {
        QueueContext ctx = new QueueContext(Objects.requireNonNull(memory), translator, features,
                Objects.requireNonNull(notifier), Objects.requireNonNull(onFailure));
        return switch (state.format()) {
            case SPLIT -> SplitVirtQueue.open(state, maxSize, ctx);
            case PACKED -> PackedVirtQueue.open(state, maxSize, ctx);
        };
    }
}
