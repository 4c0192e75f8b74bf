package org.virtio.core.driver;

import java.lang.invoke.VarHandle;

import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.internal.queue.EventIndex;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.queue.QueueFormat;

/**
 * Driver side of a split virtqueue laid out in one block of guest memory: descriptor table, available
 * ring, used ring, then one indirect table slot per descriptor. Mirrors Linux's virtio_ring.c.
 */
public final class SplitQueueDriver implements QueueDriver {
    /** Descriptor flag: the chain continues at next. */
    public static final int F_NEXT = 1;
    /** Descriptor flag: device-writable buffer. */
    public static final int F_WRITE = 2;
    /** Descriptor flag: the buffer is an indirect table. */
    public static final int F_INDIRECT = 4;

    private final int size;
    private final int maxIndirect;
    private final boolean eventIdx;
    private final GuestAddress descAddr;
    private final GuestAddress availAddr;
    private final GuestAddress usedAddr;
    private final long indirectAddr;
    private final RingMemory desc;
    private final RingMemory avail;
    private final RingMemory used;
    private final RingMemory indirectTables;

    private final int[] freeStack;
    private int freeCount;
    private final int[] chainLength;
    private final boolean[] busy;
    private int availIdx;
    private int addedSinceKick;
    private int lastUsed;
    private int usedId;
    private int usedLength;

    /**
     * @param memory      guest memory
     * @param base        16-byte aligned start of the block ({@link #footprint} bytes)
     * @param size        queue size, a power of 2
     * @param features    negotiated features (EVENT_IDX matters)
     * @param maxIndirect most buffers per indirect table (0: no indirect tables)
     */
    public SplitQueueDriver(GuestMemory memory, GuestAddress base, int size, long features, int maxIndirect) {
        if (size <= 0 || Integer.bitCount(size) != 1 || size > 32768) {
            throw new IllegalArgumentException("split queue size must be a power of 2 up to 32768: " + size);
        }
        this.size = size;
        this.maxIndirect = maxIndirect;
        this.eventIdx = VirtioFeatures.has(features, VirtioFeatures.EVENT_IDX);
        long d = base.value();
        long a = d + 16L * size;
        long u = align(a + 6 + 2L * size, 4);
        long ind = align(u + 6 + 8L * size, 16);
        this.descAddr = base;
        this.availAddr = new GuestAddress(a);
        this.usedAddr = new GuestAddress(u);
        this.indirectAddr = ind;
        this.desc = new RingMemory(memory, descAddr, 16L * size);
        this.avail = new RingMemory(memory, availAddr, 6 + 2L * size);
        this.used = new RingMemory(memory, usedAddr, 6 + 8L * size);
        this.indirectTables = maxIndirect > 0 ? new RingMemory(memory, new GuestAddress(ind), 16L * maxIndirect * size) : null;
        desc.seg.fill((byte) 0);
        avail.seg.fill((byte) 0);
        used.seg.fill((byte) 0);
        this.freeStack = new int[size];
        for (int i = 0; i < size; i++) {
            freeStack[i] = size - 1 - i;
        }
        this.freeCount = size;
        this.chainLength = new int[size];
        this.busy = new boolean[size];
    }

    /**
     * @param size        queue size
     * @param maxIndirect buffers per indirect table
     * @return bytes the rings and indirect tables need
     */
    public static long footprint(int size, int maxIndirect) {
        long a = 16L * size;
        long u = align(a + 6 + 2L * size, 4);
        long ind = align(u + 6 + 8L * size, 16);
        return ind + 16L * maxIndirect * size;
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public QueueFormat format() {
        return QueueFormat.SPLIT;
    }

    @Override
    public GuestAddress descArea() {
        return descAddr;
    }

    @Override
    public GuestAddress driverArea() {
        return availAddr;
    }

    @Override
    public GuestAddress deviceArea() {
        return usedAddr;
    }

    @Override
    public int freeDescriptors() {
        return freeCount;
    }

    @Override
    public int add(long[] addrs, int[] lens, boolean[] writable, int count, boolean indirect) {
        if (count < 1) {
            throw new IllegalArgumentException("a chain needs at least one buffer");
        }
        if (indirect) {
            return addIndirect(addrs, lens, writable, count);
        }
        if (freeCount < count) {
            return -1;
        }
        int head = freeStack[freeCount - 1];
        for (int i = 0; i < count; i++) {
            int d = freeStack[--freeCount];
            boolean more = i + 1 < count;
            // Each descriptor is written once, already linked to the free descriptor that follows it.
            writeDescriptor(d, addrs[i], lens[i], (writable[i] ? F_WRITE : 0) | (more ? F_NEXT : 0),
                    more ? freeStack[freeCount - 1] : 0);
        }
        chainLength[head] = count;
        busy[head] = true;
        publishHead(head);
        return head;
    }

    /** One descriptor pointing at this head's indirect table slot, filled with the chain. */
    private int addIndirect(long[] addrs, int[] lens, boolean[] writable, int count) {
        if (count > maxIndirect) {
            throw new IllegalArgumentException(count + " buffers exceed the indirect table size " + maxIndirect);
        }
        if (freeCount < 1) {
            return -1;
        }
        int head = freeStack[--freeCount];
        long table = 16L * maxIndirect * head;
        for (int i = 0; i < count; i++) {
            long off = table + 16L * i;
            indirectTables.u64(off, addrs[i]);
            indirectTables.u32(off + 8, lens[i]);
            indirectTables.u16(off + 12, (writable[i] ? F_WRITE : 0) | (i + 1 < count ? F_NEXT : 0));
            indirectTables.u16(off + 14, i + 1);
        }
        writeDescriptor(head, indirectAddr + table, 16 * count, F_INDIRECT, 0);
        chainLength[head] = 1;
        busy[head] = true;
        publishHead(head);
        return head;
    }

    /**
     * Writes one descriptor table entry as given, valid or not (tests build malformed chains with it).
     *
     * @param index entry index
     * @param addr  buffer address
     * @param len   buffer length
     * @param flags F_NEXT | F_WRITE | F_INDIRECT
     * @param next  next index
     */
    public void writeDescriptor(int index, long addr, int len, int flags, int next) {
        long off = 16L * index;
        desc.u64(off, addr);
        // len, flags and next in one little-endian store.
        desc.u64(off + 8, (len & 0xffffffffL) | (long) (flags & 0xffff) << 32 | (long) (next & 0xffff) << 48);
    }

    /**
     * Puts a head index in the available ring and publishes it with a release store of idx.
     *
     * @param head descriptor index (not checked: tests publish invalid heads on purpose)
     */
    public void publishHead(int head) {
        avail.u16(4L + 2L * (availIdx & (size - 1)), head);
        availIdx = (availIdx + 1) & 0xffff;
        avail.u16Release(2, availIdx);
        addedSinceKick++;
    }

    /** @param idx a raw value for the available ring's idx field (tests: index jumps) */
    public void writeAvailIdx(int idx) {
        availIdx = idx & 0xffff;
        avail.u16Release(2, availIdx);
    }

    /** @return the used ring's idx as the device last published it */
    public int deviceUsedIdx() {
        return used.u16Acquire(2);
    }

    /** @return the used ring's flags (VIRTQ_USED_F_NO_NOTIFY = 1) */
    public int usedFlags() {
        return used.u16(0);
    }

    /** @return the avail_event field the device writes (EVENT_IDX) */
    public int availEvent() {
        return used.u16(4L + 8L * size);
    }

    /** @param value raw flags for the available ring (VIRTQ_AVAIL_F_NO_INTERRUPT = 1) */
    public void writeAvailFlags(int value) {
        avail.u16(0, value);
    }

    /** @param value raw used_event (EVENT_IDX) */
    public void writeUsedEvent(int value) {
        avail.u16(4L + 2L * size, value);
    }

    @Override
    public boolean kickNeeded() {
        VarHandle.fullFence();
        int added = addedSinceKick;
        addedSinceKick = 0;
        if (eventIdx) {
            return EventIndex.needEvent(availEvent(), availIdx, (availIdx - added) & 0xffff);
        }
        return (usedFlags() & 1) == 0;
    }

    @Override
    public boolean pollUsed() {
        int idx = used.u16Acquire(2);
        if (idx == lastUsed) {
            return false;
        }
        long off = 4L + 8L * (lastUsed & (size - 1));
        int id = used.u32(off);
        int len = used.u32(off + 4);
        if (id < 0 || id >= size || !busy[id]) {
            throw notInFlight(id);
        }
        busy[id] = false;
        // Free the chain: walk its next links.
        int d = id;
        for (int i = 0; i < chainLength[id]; i++) {
            freeStack[freeCount++] = d;
            d = desc.u16(16L * d + 14);
        }
        lastUsed = (lastUsed + 1) & 0xffff;
        if (eventIdx) {
            writeUsedEvent(lastUsed);
        }
        usedId = id;
        usedLength = len;
        return true;
    }

    private static IllegalStateException notInFlight(int id) {
        return new IllegalStateException("device returned id " + id + ", which is not in flight");
    }

    @Override
    public int usedId() {
        return usedId;
    }

    @Override
    public int usedLength() {
        return usedLength;
    }

    @Override
    public void setInterruptsEnabled(boolean enabled) {
        if (eventIdx) {
            writeUsedEvent(enabled ? lastUsed : (lastUsed - 1) & 0xffff);
        } else {
            writeAvailFlags(enabled ? 0 : 1);
        }
    }
}
