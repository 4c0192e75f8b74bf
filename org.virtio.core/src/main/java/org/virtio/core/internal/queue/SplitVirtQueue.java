package org.virtio.core.internal.queue;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import org.virtio.core.memory.Access;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.MemoryError;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueError;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.QueueSetupException;
import org.virtio.core.queue.QueueState;

/**
 * Device side of a split virtqueue (VirtIO 1.3 §2.7): descriptor table (16-byte entries, 16-aligned),
 * available ring (flags, idx, ring[size], used_event; 2-aligned) and used ring (flags, idx,
 * ring[size] of {id, len}, avail_event; 4-aligned). The ring areas are checked once when the queue
 * opens; afterwards only descriptor buffers need checking.
 */
public final class SplitVirtQueue extends AbstractVirtQueue {
    private static final int AVAIL_F_NO_INTERRUPT = 1;
    private static final int USED_F_NO_NOTIFY = 1;

    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final QueueState registers;
    private final int mask;

    /** Free-running 16-bit indices: next available entry to read, last avail idx seen, used idx. */
    private int lastAvail;
    private int cachedAvailIdx;
    private int usedIdx;
    private int publishedUsedIdx;
    private boolean notificationsEnabled;

    private SplitVirtQueue(QueueState s, QueueContext ctx, MemorySegment desc, MemorySegment avail, MemorySegment used) {
        super(s.index(), s.size(), ctx);
        this.registers = s;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
        this.mask = s.size() - 1;
        this.lastAvail = s.nextAvail() & 0xffff;
        this.cachedAvailIdx = lastAvail;
        this.usedIdx = s.nextUsed() & 0xffff;
        this.publishedUsedIdx = usedIdx;
        this.notificationsEnabled = s.notificationsEnabled();
    }

    /**
     * @param s       registers and positions
     * @param maxSize device maximum
     * @param ctx     memory, features, sinks
     * @return the open queue
     * @throws QueueSetupException when the driver's settings are unusable
     */
    public static SplitVirtQueue open(QueueState s, int maxSize, QueueContext ctx) throws QueueSetupException {
        int n = s.size();
        if (n <= 0 || n > maxSize || n > 32768 || Integer.bitCount(n) != 1) {
            throw new QueueSetupException(QueueError.INVALID_SIZE, "queue " + s.index() + " size " + n + " (max " + maxSize + ")");
        }
        MemorySegment d = ring(ctx, s, s.descArea(), 16L * n, 16, Access.READ, "descriptor table");
        MemorySegment a = ring(ctx, s, s.driverArea(), 6L + 2L * n, 2, Access.READ, "available ring");
        MemorySegment u = ring(ctx, s, s.deviceArea(), 6L + 8L * n, 4, Access.WRITE, "used ring");
        SplitVirtQueue q = new SplitVirtQueue(s, ctx, d, a, u);
        q.checkAvailIndex();
        return q;
    }

    static MemorySegment ring(QueueContext ctx, QueueState s, GuestAddress at, long length, int align, Access access,
            String what) throws QueueSetupException {
        long addr = at.value();
        if ((addr & (align - 1)) != 0) {
            throw new QueueSetupException(QueueError.RING_MISALIGNED, "queue " + s.index() + " " + what + " at " + at
                    + " is not " + align + "-byte aligned");
        }
        try {
            long gpa = ctx.contiguous(addr, length, access);
            return ctx.memory.slice(gpa, length, access);
        } catch (GuestMemoryException e) {
            throw new QueueSetupException(e.error() == MemoryError.TRANSLATION_FAULT ? QueueError.TRANSLATION_FAULT
                    : QueueError.RING_OUT_OF_RANGE, "queue " + s.index() + " " + what + ": " + e.getMessage());
        }
    }

    private void checkAvailIndex() throws QueueSetupException {
        int idx = acquire16(avail, 2) & 0xffff;
        if (((idx - lastAvail) & 0xffff) > size) {
            throw new QueueSetupException(QueueError.AVAIL_INDEX_JUMP, "queue " + index + " avail idx " + idx
                    + " vs device position " + lastAvail);
        }
    }

    @Override
    public QueueFormat format() {
        return QueueFormat.SPLIT;
    }

    @Override
    public DescriptorChain pop() {
        if (!usable()) {
            return null;
        }
        if (lastAvail == cachedAvailIdx) {
            int idx = acquire16(avail, 2) & 0xffff;
            if (((idx - lastAvail) & 0xffff) > size) {
                return availIndexJump(idx);
            }
            cachedAvailIdx = idx;
            if (idx == lastAvail) {
                return null;
            }
        }
        ChainImpl c = acquire();
        if (c == null) {
            return null;
        }
        int head = avail.get(U16, 4L + 2L * (lastAvail & mask)) & 0xffff;
        lastAvail = (lastAvail + 1) & 0xffff;
        if (ctx.eventIdx && notificationsEnabled) {
            // avail_event: notify me when you publish the entry after this one (§2.7.10).
            avail16Event(lastAvail);
        }
        if (!walk(c, head)) {
            discard(c);
            return null;
        }
        return launch(c);
    }

    @Override
    public DescriptorChain popHead(int head) {
        if (!usable()) {
            return null;
        }
        ChainImpl c = acquire();
        if (c == null) {
            return null;
        }
        if (!walk(c, head & 0xffff)) {
            discard(c);
            return null;
        }
        return launch(c);
    }

    private DescriptorChain availIndexJump(int idx) {
        fail(QueueError.AVAIL_INDEX_JUMP, "avail idx " + idx + ", device at " + lastAvail);
        return null;
    }

    /**
     * Walks and validates one chain into c; on a driver mistake breaks the queue and returns false.
     * Kept small so the JIT inlines it into pop(): the indirect table walk and every error path are
     * separate methods.
     */
    private boolean walk(ChainImpl c, int head) {
        if (head >= size) {
            return reject(QueueError.DESCRIPTOR_INDEX_OUT_OF_RANGE, head, head, size);
        }
        c.id = head;
        boolean sawWritable = false;
        int i = head;
        int hops = 0;
        try {
            while (true) {
                if (++hops > size) {
                    return reject(QueueError.CHAIN_TOO_LONG, head, i, size);
                }
                long off = 16L * i;
                long addr = desc.get(U64, off);
                // len, flags and next in one little-endian load: one bounds check, not three.
                long rest = desc.get(U64, off + 8);
                long len = rest & 0xffffffffL;
                int flags = (int) (rest >>> 32) & 0xffff;
                if ((flags & DESC_F_INDIRECT) != 0) {
                    // An indirect descriptor ends the main chain (INDIRECT+NEXT is refused there).
                    return walkIndirect(c, head, i, addr, len, flags, hops, sawWritable);
                }
                if (len == 0) {
                    return reject(QueueError.ZERO_LENGTH_BUFFER, head, i, -1);
                }
                boolean writable = (flags & DESC_F_WRITE) != 0;
                if (writable) {
                    sawWritable = true;
                } else if (sawWritable) {
                    return reject(QueueError.READABLE_AFTER_WRITABLE, head, i, -1);
                }
                ctx.appendBuffer(c, addr, len, writable, maxElements);
                c.descriptorCount++;
                if ((flags & DESC_F_NEXT) == 0) {
                    return true;
                }
                int next = (int) (rest >>> 48);
                if (next >= size) {
                    return reject(QueueError.DESCRIPTOR_INDEX_OUT_OF_RANGE, head, i, next);
                }
                i = next;
            }
        } catch (GuestMemoryException e) {
            return rejectMemory(e, head);
        } catch (QueueContext.ChainTooLongException e) {
            return reject(QueueError.CHAIN_TOO_LONG, head, i, maxElements);
        }
    }

    /**
     * The rest of a chain once it reaches an indirect descriptor at main-table index {@code at}: the
     * table's own chain, starting at entry 0 and linked by next (§2.7.5.3).
     */
    private boolean walkIndirect(ChainImpl c, int head, int at, long addr, long len, int flags, int hops,
            boolean sawWritable) throws GuestMemoryException, QueueContext.ChainTooLongException {
        if (!ctx.indirect) {
            return reject(QueueError.INDIRECT_NOT_NEGOTIATED, head, at, -1);
        }
        if ((flags & DESC_F_NEXT) != 0) {
            return reject(QueueError.INDIRECT_WITH_NEXT, head, at, -1);
        }
        if (len == 0 || (len & 15) != 0) {
            return reject(QueueError.INDIRECT_TABLE_LENGTH, head, at, len);
        }
        // The WRITE flag of the descriptor that points at a table is ignored (§2.7.5.3.2).
        long gpa = ctx.contiguous(addr, len, Access.READ);
        int r = ctx.memory.regionIndex(gpa, len, Access.READ);
        MemorySegment table = ctx.memory.regionSegment(r);
        long base = gpa - ctx.memory.regionStart(r);
        long tableSize = len >>> 4;
        c.descriptorCount++;
        // The pointer to a table describes no buffer: a chain may hold Queue Size buffers (§2.7.5.3.1),
        // as a packed table may (§2.8.5). Only one table per chain, so the walk stays bounded.
        hops--;
        int i = 0;
        while (true) {
            if (++hops > size) {
                return reject(QueueError.CHAIN_TOO_LONG, head, i, size);
            }
            long off = base + 16L * i;
            long bufAddr = table.get(U64, off);
            long rest = table.get(U64, off + 8);
            long bufLen = rest & 0xffffffffL;
            int bufFlags = (int) (rest >>> 32) & 0xffff;
            if ((bufFlags & DESC_F_INDIRECT) != 0) {
                return reject(QueueError.NESTED_INDIRECT, head, i, -1);
            }
            if (bufLen == 0) {
                return reject(QueueError.ZERO_LENGTH_BUFFER, head, i, -1);
            }
            boolean writable = (bufFlags & DESC_F_WRITE) != 0;
            if (writable) {
                sawWritable = true;
            } else if (sawWritable) {
                return reject(QueueError.READABLE_AFTER_WRITABLE, head, i, -1);
            }
            ctx.appendBuffer(c, bufAddr, bufLen, writable, maxElements);
            c.descriptorCount++;
            if ((bufFlags & DESC_F_NEXT) == 0) {
                return true;
            }
            int next = (int) (rest >>> 48);
            if (next >= tableSize) {
                return reject(QueueError.DESCRIPTOR_INDEX_OUT_OF_RANGE, head, i, next);
            }
            i = next;
        }
    }

    private boolean reject(QueueError e, int head, int index, long value) {
        fail(e, "chain at head " + head + ", descriptor " + index + (value >= 0 ? " (value " + value + ")" : ""));
        return false;
    }

    private boolean rejectMemory(GuestMemoryException e, int head) {
        fail(e.error() == MemoryError.TRANSLATION_FAULT ? QueueError.TRANSLATION_FAULT : QueueError.BUFFER_OUT_OF_RANGE,
                "chain at head " + head + ": " + e.getMessage());
        return false;
    }

    @Override
    void writeUsed(ChainImpl c, int writtenLength) {
        long off = 4L + 8L * (usedIdx & mask);
        used.set(U32, off, c.id);
        used.set(U32, off + 4, writtenLength);
        usedIdx = (usedIdx + 1) & 0xffff;
    }

    @Override
    public void flush() {
        if (usedIdx == publishedUsedIdx || closed()) {
            return;
        }
        // Entries first, then the index that announces them (§2.7.8.2: len before idx).
        release16(used, 2, (short) usedIdx);
        // Store-load barrier: our idx store must be visible before we read used_event / flags.
        VarHandle.fullFence();
        boolean notify;
        if (ctx.eventIdx) {
            int usedEvent = avail.get(U16, 4L + 2L * size) & 0xffff;
            notify = EventIndex.needEvent(usedEvent, usedIdx, publishedUsedIdx);
        } else {
            notify = (avail.get(U16, 0) & AVAIL_F_NO_INTERRUPT) == 0;
        }
        publishedUsedIdx = usedIdx;
        if (notify) {
            ctx.notifier.notifyUsedBuffers(index);
        }
    }

    @Override
    public void disableNotifications() {
        notificationsEnabled = false;
        if (!usable()) {
            return;
        }
        if (!ctx.eventIdx) {
            used.set(U16, 0, (short) USED_F_NO_NOTIFY);
        }
        // With EVENT_IDX the device simply stops advancing avail_event (§2.7.10.2: flags stay 0).
    }

    @Override
    public boolean enableNotifications() {
        notificationsEnabled = true;
        if (!usable()) {
            return false;
        }
        if (ctx.eventIdx) {
            avail16Event(lastAvail);
        } else {
            used.set(U16, 0, (short) 0);
        }
        // Our enable must be visible before we look at avail idx again, or a buffer added in between
        // would get neither a notification nor our attention.
        VarHandle.fullFence();
        int idx = acquire16(avail, 2) & 0xffff;
        return idx != lastAvail;
    }

    private void avail16Event(int value) {
        used.set(U16, 4L + 8L * size, (short) value);
    }

    @Override
    public QueueState state() {
        checkSnapshot();
        return new QueueState(index, QueueFormat.SPLIT, size, registers.descArea(), registers.driverArea(),
                registers.deviceArea(), true, lastAvail, true, usedIdx, true, notificationsEnabled);
    }
}
