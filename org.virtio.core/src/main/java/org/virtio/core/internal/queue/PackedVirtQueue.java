package org.virtio.core.internal.queue;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import org.virtio.core.memory.Access;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.MemoryError;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueError;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.QueueSetupException;
import org.virtio.core.queue.QueueState;

/**
 * Device side of a packed virtqueue (VirtIO 1.3 §2.8): one ring of 16-byte descriptors {addr, len, id,
 * flags} shared by driver and device, availability and use marked by the AVAIL/USED flag bits against
 * wrap counters, plus the driver and device event suppression structures {off_wrap, flags}.
 */
public final class PackedVirtQueue extends AbstractVirtQueue {
    static final int DESC_F_AVAIL = 1 << 7;
    static final int DESC_F_USED = 1 << 15;
    static final int EVENT_ENABLE = 0;
    static final int EVENT_DISABLE = 1;
    static final int EVENT_DESC = 2;

    private final MemorySegment ring;
    private final MemorySegment driverEvent;
    private final MemorySegment deviceEvent;
    private final QueueState registers;

    private int nextAvail;
    private boolean availWrap;
    private int nextUsed;
    private boolean usedWrap;
    /** Ring slots written since the last flush, for the event-index test. */
    private int usedSinceFlush;
    /** The first used descriptor of a batch gets its flags last, so the driver sees the batch at once. */
    private long batchHeadOffset = -1;
    private short batchHeadFlags;
    private boolean notificationsEnabled;

    private PackedVirtQueue(QueueState s, QueueContext ctx, MemorySegment ring, MemorySegment drv, MemorySegment dev) {
        super(s.index(), s.size(), ctx);
        this.registers = s;
        this.ring = ring;
        this.driverEvent = drv;
        this.deviceEvent = dev;
        this.nextAvail = s.nextAvail();
        this.availWrap = s.availWrap();
        this.nextUsed = s.nextUsed();
        this.usedWrap = s.usedWrap();
        this.notificationsEnabled = s.notificationsEnabled();
    }

    /**
     * @param s       registers and positions
     * @param maxSize device maximum
     * @param ctx     memory, features, sinks
     * @return the open queue
     * @throws QueueSetupException when the driver's settings are unusable
     */
    public static PackedVirtQueue open(QueueState s, int maxSize, QueueContext ctx) throws QueueSetupException {
        int n = s.size();
        // Packed rings need not be a power of 2 (§2.8.10.1); 32768 is the limit the 15-bit offsets allow.
        if (n <= 0 || n > maxSize || n > 32768) {
            throw new QueueSetupException(QueueError.INVALID_SIZE, "queue " + s.index() + " size " + n + " (max " + maxSize + ")");
        }
        if (s.nextAvail() < 0 || s.nextAvail() >= n || s.nextUsed() < 0 || s.nextUsed() >= n) {
            throw new QueueSetupException(QueueError.DESCRIPTOR_INDEX_OUT_OF_RANGE, "queue " + s.index()
                    + " positions " + s.nextAvail() + "/" + s.nextUsed() + " outside size " + n);
        }
        MemorySegment r = SplitVirtQueue.ring(ctx, s, s.descArea(), 16L * n, 16, Access.WRITE, "descriptor ring");
        MemorySegment drv = SplitVirtQueue.ring(ctx, s, s.driverArea(), 4, 4, Access.READ, "driver event suppression");
        MemorySegment dev = SplitVirtQueue.ring(ctx, s, s.deviceArea(), 4, 4, Access.WRITE, "device event suppression");
        return new PackedVirtQueue(s, ctx, r, drv, dev);
    }

    @Override
    public QueueFormat format() {
        return QueueFormat.PACKED;
    }

    private static boolean available(int flags, boolean wrap) {
        boolean a = (flags & DESC_F_AVAIL) != 0;
        boolean u = (flags & DESC_F_USED) != 0;
        return a == wrap && u != wrap;
    }

    @Override
    public DescriptorChain pop() {
        if (!usable()) {
            return null;
        }
        int headFlags = acquire16(ring, 16L * nextAvail + 14) & 0xffff;
        if (!available(headFlags, availWrap)) {
            return null;
        }
        ChainImpl c = acquire();
        if (c == null) {
            return null;
        }
        if (!walk(c)) {
            discard(c);
            return null;
        }
        if (ctx.eventIdx && notificationsEnabled) {
            writeDeviceEvent();
        }
        return launch(c);
    }

    /** Walks and validates one chain into c. Small enough to inline: errors and indirect tables are elsewhere. */
    private boolean walk(ChainImpl c) {
        int pos = nextAvail;
        boolean wrap = availWrap;
        int count = 0;
        boolean sawWritable = false;
        int start = pos;
        try {
            while (true) {
                if (++count > size) {
                    return reject(QueueError.CHAIN_TOO_LONG, start, size);
                }
                long off = 16L * pos;
                long addr = ring.get(U64, off);
                // len, id and flags in one little-endian load: one bounds check, not three.
                long rest = ring.get(U64, off + 8);
                long len = rest & 0xffffffffL;
                int flags = (int) (rest >>> 48);
                pos++;
                if (pos == size) {
                    pos = 0;
                    wrap = !wrap;
                }
                if ((flags & DESC_F_INDIRECT) != 0) {
                    if (!indirectChain(c, start, count, addr, len, flags)) {
                        return false;
                    }
                    c.id = (int) (rest >>> 32) & 0xffff;
                    c.descriptorCount = count;
                    break;
                }
                if (len == 0) {
                    return reject(QueueError.ZERO_LENGTH_BUFFER, start, Math.floorMod(pos - 1, size));
                }
                boolean writable = (flags & DESC_F_WRITE) != 0;
                if (writable) {
                    sawWritable = true;
                } else if (sawWritable) {
                    return reject(QueueError.READABLE_AFTER_WRITABLE, start, Math.floorMod(pos - 1, size));
                }
                ctx.appendBuffer(c, addr, len, writable, maxElements);
                if ((flags & DESC_F_NEXT) == 0) {
                    // The buffer id is in the last descriptor of the chain (§2.8.6).
                    c.id = (int) (rest >>> 32) & 0xffff;
                    c.descriptorCount = count;
                    break;
                }
            }
        } catch (GuestMemoryException e) {
            fail(e.error() == MemoryError.TRANSLATION_FAULT ? QueueError.TRANSLATION_FAULT : QueueError.BUFFER_OUT_OF_RANGE,
                    "chain at " + start + ": " + e.getMessage());
            return false;
        } catch (QueueContext.ChainTooLongException e) {
            return reject(QueueError.CHAIN_TOO_LONG, start, maxElements);
        }
        nextAvail = pos;
        availWrap = wrap;
        return true;
    }

    /** Checks an indirect descriptor (the count-th of its chain, starting at start) and walks its table. */
    private boolean indirectChain(ChainImpl c, int start, int count, long addr, long len, int flags)
            throws GuestMemoryException, QueueContext.ChainTooLongException {
        if (!ctx.indirect) {
            return reject(QueueError.INDIRECT_NOT_NEGOTIATED, start, -1);
        }
        if ((flags & DESC_F_NEXT) != 0) {
            return reject(QueueError.INDIRECT_WITH_NEXT, start, -1);
        }
        if (count != 1) {
            // Packed rings allow an indirect descriptor only as a chain of its own (§2.8.19).
            return reject(QueueError.INDIRECT_WITH_NEXT, start, count);
        }
        if (len == 0 || (len & 15) != 0) {
            return reject(QueueError.INDIRECT_TABLE_LENGTH, start, len);
        }
        if ((len >>> 4) > size) {
            return reject(QueueError.CHAIN_TOO_LONG, start, len >>> 4);
        }
        return walkIndirect(c, addr, (int) (len >>> 4));
    }

    private boolean reject(QueueError e, int start, long value) {
        fail(e, "chain at ring position " + start + (value >= 0 ? " (value " + value + ")" : ""));
        return false;
    }

    /** An indirect table is a plain array: every entry is used, in order; NEXT is ignored (§2.8.19). */
    private boolean walkIndirect(ChainImpl c, long tableAddr, int entries)
            throws GuestMemoryException, QueueContext.ChainTooLongException {
        long tableLen = 16L * entries;
        long gpa = ctx.contiguous(tableAddr, tableLen, Access.READ);
        int r = ctx.memory.regionIndex(gpa, tableLen, Access.READ);
        MemorySegment seg = ctx.memory.regionSegment(r);
        long base = gpa - ctx.memory.regionStart(r);
        boolean sawWritable = false;
        for (int k = 0; k < entries; k++) {
            long off = base + 16L * k;
            long addr = seg.get(U64, off);
            long len = seg.get(U32, off + 8) & 0xffffffffL;
            int flags = seg.get(U16, off + 14) & 0xffff;
            if ((flags & DESC_F_INDIRECT) != 0) {
                fail(QueueError.NESTED_INDIRECT, "indirect table entry " + k);
                return false;
            }
            if (len == 0) {
                fail(QueueError.ZERO_LENGTH_BUFFER, "indirect table entry " + k);
                return false;
            }
            boolean writable = (flags & DESC_F_WRITE) != 0;
            if (writable) {
                sawWritable = true;
            } else if (sawWritable) {
                fail(QueueError.READABLE_AFTER_WRITABLE, "indirect table entry " + k);
                return false;
            }
            ctx.appendBuffer(c, addr, len, writable, maxElements);
        }
        return true;
    }

    @Override
    void writeUsed(ChainImpl c, int writtenLength) {
        long off = 16L * nextUsed;
        ring.set(U32, off + 8, writtenLength);
        ring.set(U16, off + 12, (short) c.id);
        short flags = (short) (usedWrap ? (DESC_F_AVAIL | DESC_F_USED) : 0);
        if (batchHeadOffset < 0) {
            batchHeadOffset = off;
            batchHeadFlags = flags;
        } else {
            release16(ring, off + 14, flags);
        }
        nextUsed += c.descriptorCount;
        usedSinceFlush += c.descriptorCount;
        if (nextUsed >= size) {
            nextUsed -= size;
            usedWrap = !usedWrap;
        }
    }

    @Override
    public void flush() {
        if (batchHeadOffset < 0 || closed()) {
            return;
        }
        // id and len of every used descriptor are written; the batch head's flags announce them all.
        release16(ring, batchHeadOffset + 14, batchHeadFlags);
        batchHeadOffset = -1;
        VarHandle.fullFence();
        int flags = driverEvent.get(U16, 2) & 0x3;
        boolean notify;
        if (flags == EVENT_DISABLE) {
            notify = false;
        } else if (flags == EVENT_DESC && ctx.eventIdx) {
            int offWrap = driverEvent.get(U16, 0) & 0xffff;
            notify = EventIndex.packedNeedEvent(offWrap, usedWrap, size, nextUsed, usedSinceFlush);
        } else {
            notify = true;
        }
        usedSinceFlush = 0;
        if (notify) {
            ctx.notifier.notifyUsedBuffers(index);
        }
    }

    @Override
    public void disableNotifications() {
        notificationsEnabled = false;
        if (usable()) {
            deviceEvent.set(U16, 2, (short) EVENT_DISABLE);
        }
    }

    @Override
    public boolean enableNotifications() {
        notificationsEnabled = true;
        if (!usable()) {
            return false;
        }
        if (ctx.eventIdx) {
            writeDeviceEvent();
        } else {
            deviceEvent.set(U16, 2, (short) EVENT_ENABLE);
        }
        VarHandle.fullFence();
        int headFlags = acquire16(ring, 16L * nextAvail + 14) & 0xffff;
        return available(headFlags, availWrap);
    }

    /** Asks for a notification when the driver makes the descriptor at our next position available. */
    private void writeDeviceEvent() {
        deviceEvent.set(U16, 0, (short) (nextAvail | (availWrap ? 0x8000 : 0)));
        deviceEvent.set(U16, 2, (short) EVENT_DESC);
    }

    @Override
    public QueueState state() {
        checkSnapshot();
        return new QueueState(index, QueueFormat.PACKED, size, registers.descArea(), registers.driverArea(),
                registers.deviceArea(), true, nextAvail, availWrap, nextUsed, usedWrap, notificationsEnabled);
    }
}
