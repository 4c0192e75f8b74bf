package org.virtio.vhost.user.internal;

import java.lang.foreign.MemorySegment;

import org.virtio.vhost.user.internal.protocol.ProtocolException;
import org.virtio.vhost.user.internal.sys.Fds;
import org.virtio.vhost.user.internal.sys.SharedMapping;
import org.virtio.vhost.user.internal.sys.SysException;

/**
 * The INFLIGHT_SHMFD shared region (vhost-user.rst, "Inflight I/O tracking"), laid out for split rings as
 * libvhost-user lays it out, so a backend of either kind can take over from the other: one area per
 * queue, each {@link #queueStride} bytes, starting with {@code u64 features, u16 version, u16 desc_num,
 * u16 last_batch_head, u16 used_idx} and then one 16-byte {@code {u8 inflight, u8 pad[5], u16 next,
 * u64 counter}} per descriptor. The frontend keeps the memfd across backend restarts and hands it to
 * the next backend with SET_INFLIGHT_FD.
 */
final class InflightRegion implements AutoCloseable {
    private static final int ALIGNMENT = 64;
    private static final int DESC_STATE_BYTES = 16;

    private final int fd;
    private final SharedMapping mapping;
    private final int queueCount;
    private final int queueSize;

    private InflightRegion(int fd, SharedMapping mapping, int queueCount, int queueSize) {
        this.fd = fd;
        this.mapping = mapping;
        this.queueCount = queueCount;
        this.queueSize = queueSize;
    }

    /**
     * @param queueSize descriptors per queue
     * @return bytes per queue area: the descriptor states plus two bytes, rounded up to 64 (libvhost-user's
     *         formula; the 16-byte header fits in the rounding for every size)
     */
    static long queueStride(int queueSize) {
        long raw = (long) DESC_STATE_BYTES * queueSize + 2;
        return (raw + ALIGNMENT - 1) & -ALIGNMENT;
    }

    private static void checkShape(String request, int queues, int size, int maxQueues) throws ProtocolException {
        if (queues < 1 || queues > maxQueues) {
            throw new ProtocolException(request + ": num_queues " + queues + ", the device has " + maxQueues);
        }
        if (size < 1 || size > 32768) {
            throw new ProtocolException(request + ": queue_size " + size + " outside 1..32768");
        }
    }

    /**
     * GET_INFLIGHT_FD: a new zeroed region.
     *
     * @param queues    num_queues asked for
     * @param size      queue_size asked for
     * @param maxQueues the device's queue count
     * @return the region (its memfd goes back to the frontend)
     * @throws ProtocolException when the shape is absurd or memfd creation fails
     */
    static InflightRegion create(int queues, int size, int maxQueues) throws ProtocolException {
        checkShape("GET_INFLIGHT_FD", queues, size, maxQueues);
        long bytes = queueStride(size) * queues;
        int fd;
        try {
            fd = SharedMapping.createMemfd("vhost-inflight", bytes);
        } catch (SysException e) {
            throw new ProtocolException("GET_INFLIGHT_FD: " + e.getMessage(), e);
        }
        try {
            return new InflightRegion(fd, SharedMapping.map(fd, 0, bytes), queues, size);
        } catch (SysException e) {
            Fds.close(fd);
            throw new ProtocolException("GET_INFLIGHT_FD: " + e.getMessage(), e);
        }
    }

    /**
     * SET_INFLIGHT_FD: the region a frontend kept from an earlier backend (or the one we created).
     *
     * @param fd         the descriptor (taken over: closed with the region, or now on failure)
     * @param mmapSize   bytes
     * @param mmapOffset offset in the file
     * @param queues     num_queues
     * @param size       queue_size
     * @param maxQueues  the device's queue count
     * @return the region
     * @throws ProtocolException when the shape does not fit the size or the mapping fails
     */
    static InflightRegion adopt(int fd, long mmapSize, long mmapOffset, int queues, int size, int maxQueues)
            throws ProtocolException {
        try {
            checkShape("SET_INFLIGHT_FD", queues, size, maxQueues);
            long need = queueStride(size) * queues;
            if (mmapSize < need) {
                throw new ProtocolException("SET_INFLIGHT_FD: mmap_size " + mmapSize + " is smaller than the " + need
                        + " bytes " + queues + " queues of " + size + " need");
            }
            return new InflightRegion(fd, SharedMapping.map(fd, mmapOffset, need), queues, size);
        } catch (SysException e) {
            Fds.close(fd);
            throw new ProtocolException("SET_INFLIGHT_FD: " + e.getMessage(), e);
        } catch (ProtocolException e) {
            Fds.close(fd);
            throw e;
        }
    }

    /** @return the memfd, to pass to the frontend */
    int fd() {
        return fd;
    }

    /** @return bytes of the whole region */
    long size() {
        return mapping.segment().byteSize();
    }

    /** @return num_queues */
    int queueCount() {
        return queueCount;
    }

    /** @return queue_size (descriptor states per queue) */
    int queueSize() {
        return queueSize;
    }

    /**
     * @param index a queue index
     * @return the area of that queue, or null when the region has none for it
     */
    InflightQueue queue(int index) {
        if (index < 0 || index >= queueCount) {
            return null;
        }
        long stride = queueStride(queueSize);
        MemorySegment area = mapping.segment().asSlice(stride * index, stride);
        return new InflightQueue(area, queueSize);
    }

    /** Unmaps and closes the memfd. */
    @Override
    public void close() {
        mapping.close();
        Fds.close(fd);
    }
}
