package org.virtio.core.driver;

import java.lang.invoke.VarHandle;

import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.internal.queue.EventIndex;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.queue.QueueFormat;

/**
 * Driver side of a packed virtqueue in one block of guest memory: descriptor ring, driver event
 * suppression, device event suppression, then one indirect table slot per buffer id.
 */
public final class PackedQueueDriver implements QueueDriver {
    /** Descriptor flag: the chain continues in the next ring slot. */
    public static final int F_NEXT = 1;
    /** Descriptor flag: device-writable buffer. */
    public static final int F_WRITE = 2;
    /** Descriptor flag: indirect table. */
    public static final int F_INDIRECT = 4;
    /** Descriptor flag: available (compared against the wrap counter). */
    public static final int F_AVAIL = 1 << 7;
    /** Descriptor flag: used (compared against the wrap counter). */
    public static final int F_USED = 1 << 15;

    private final int size;
    private final int maxIndirect;
    private final boolean eventIdx;
    private final GuestAddress ringAddr;
    private final GuestAddress driverEventAddr;
    private final GuestAddress deviceEventAddr;
    private final long indirectAddr;
    private final RingMemory ring;
    private final RingMemory driverEvent;
    private final RingMemory deviceEvent;
    private final RingMemory indirectTables;

    private final int[] freeIds;
    private int freeIdCount;
    private final int[] slots;
    private final boolean[] busy;
    private int freeSlots;
    private int nextAvail;
    private boolean availWrap = true;
    private int usedPos;
    private boolean usedWrap = true;
    private int addedSinceKick;
    private int usedId;
    private int usedLength;

    /**
     * @param memory      guest memory
     * @param base        16-byte aligned start ({@link #footprint} bytes)
     * @param size        queue size (any value up to 32768)
     * @param features    negotiated features (EVENT_IDX matters)
     * @param maxIndirect most buffers per indirect table (0: none)
     */
    public PackedQueueDriver(GuestMemory memory, GuestAddress base, int size, long features, int maxIndirect) {
        if (size <= 0 || size > 32768) {
            throw new IllegalArgumentException("packed queue size must be 1..32768: " + size);
        }
        this.size = size;
        this.maxIndirect = maxIndirect;
        this.eventIdx = VirtioFeatures.has(features, VirtioFeatures.EVENT_IDX);
        long r = base.value();
        long drv = r + 16L * size;
        long dev = drv + 4;
        long ind = (dev + 4 + 15) & -16L;
        this.ringAddr = base;
        this.driverEventAddr = new GuestAddress(drv);
        this.deviceEventAddr = new GuestAddress(dev);
        this.indirectAddr = ind;
        this.ring = new RingMemory(memory, ringAddr, 16L * size);
        this.driverEvent = new RingMemory(memory, driverEventAddr, 4);
        this.deviceEvent = new RingMemory(memory, deviceEventAddr, 4);
        this.indirectTables = maxIndirect > 0 ? new RingMemory(memory, new GuestAddress(ind), 16L * maxIndirect * size) : null;
        ring.seg.fill((byte) 0);
        driverEvent.seg.fill((byte) 0);
        deviceEvent.seg.fill((byte) 0);
        this.freeIds = new int[size];
        for (int i = 0; i < size; i++) {
            freeIds[i] = size - 1 - i;
        }
        this.freeIdCount = size;
        this.slots = new int[size];
        this.busy = new boolean[size];
        this.freeSlots = size;
    }

    /** @param size queue size @param maxIndirect buffers per table @return bytes needed */
    public static long footprint(int size, int maxIndirect) {
        long ind = (16L * size + 8 + 15) & -16L;
        return ind + 16L * maxIndirect * size;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public QueueFormat format() {
        return QueueFormat.PACKED;
    }

    @Override
    public GuestAddress descArea() {
        return ringAddr;
    }

    @Override
    public GuestAddress driverArea() {
        return driverEventAddr;
    }

    @Override
    public GuestAddress deviceArea() {
        return deviceEventAddr;
    }

    @Override
    public int freeDescriptors() {
        return freeSlots;
    }

    private int availFlags() {
        return availWrap ? F_AVAIL : F_USED;
    }

    @Override
    public int add(long[] addrs, int[] lens, boolean[] writable, int count, boolean indirect) {
        if (count < 1) {
            throw new IllegalArgumentException("a chain needs at least one buffer");
        }
        if (indirect && count > maxIndirect) {
            throw new IllegalArgumentException(count + " buffers exceed the indirect table size " + maxIndirect);
        }
        int needed = indirect ? 1 : count;
        if (freeSlots < needed || freeIdCount == 0) {
            return -1;
        }
        int id = freeIds[--freeIdCount];
        int head = nextAvail;
        int headFlags = indirect ? addIndirect(id, addrs, lens, writable, count) : addDirect(id, addrs, lens, writable, count);
        slots[id] = needed;
        busy[id] = true;
        freeSlots -= needed;
        addedSinceKick += needed;
        // The head's flags go last, with release: the device sees the whole chain or none of it.
        ring.u16Release(16L * head + 14, headFlags);
        return id;
    }

    /** Writes the chain into consecutive ring slots; returns the head's flags, which are stored last. */
    private int addDirect(int id, long[] addrs, int[] lens, boolean[] writable, int count) {
        int headFlags = 0;
        for (int i = 0; i < count; i++) {
            int pos = nextAvail;
            int flags = (writable[i] ? F_WRITE : 0) | (i + 1 < count ? F_NEXT : 0) | availFlags();
            writeSlot(pos, addrs[i], lens[i], id);
            if (i == 0) {
                headFlags = flags;
            } else {
                ring.u16(16L * pos + 14, flags);
            }
            advance();
        }
        return headFlags;
    }

    /** Writes the chain into this id's indirect table and one ring slot; returns the head's flags. */
    private int addIndirect(int id, long[] addrs, int[] lens, boolean[] writable, int count) {
        long table = 16L * maxIndirect * id;
        for (int i = 0; i < count; i++) {
            long off = table + 16L * i;
            indirectTables.u64(off, addrs[i]);
            indirectTables.u32(off + 8, lens[i]);
            indirectTables.u16(off + 12, 0);
            indirectTables.u16(off + 14, writable[i] ? F_WRITE : 0);
        }
        writeSlot(nextAvail, indirectAddr + table, 16 * count, id);
        int headFlags = F_INDIRECT | availFlags();
        advance();
        return headFlags;
    }

    private void writeSlot(int pos, long addr, int len, int id) {
        long off = 16L * pos;
        ring.u64(off, addr);
        ring.u32(off + 8, len);
        ring.u16(off + 12, id);
    }

    private void advance() {
        if (++nextAvail == size) {
            nextAvail = 0;
            availWrap = !availWrap;
        }
    }

    /**
     * Writes a raw descriptor (tests build malformed chains with it); flags are taken as given.
     *
     * @param pos   ring position
     * @param addr  buffer address
     * @param len   length
     * @param id    buffer id
     * @param flags raw flags, including AVAIL/USED bits
     */
    public void writeRaw(int pos, long addr, int len, int id, int flags) {
        writeSlot(pos, addr, len, id);
        ring.u16Release(16L * pos + 14, flags);
    }

    /** @return the flags that mark a descriptor available in the current driver wrap */
    public int currentAvailFlags() {
        return availFlags();
    }

    /** @return the next ring position the driver will fill */
    public int nextAvailPosition() {
        return nextAvail;
    }

    /** @return the device event suppression flags (0 enable, 1 disable, 2 desc) */
    public int deviceEventFlags() {
        return deviceEvent.u16(2);
    }

    /** @return the device event suppression off_wrap */
    public int deviceEventOffWrap() {
        return deviceEvent.u16(0);
    }

    /**
     * @param offWrap descriptor offset | wrap counter &lt;&lt; 15
     * @param flags   0 enable, 1 disable, 2 desc
     */
    public void writeDriverEvent(int offWrap, int flags) {
        driverEvent.u16(0, offWrap);
        driverEvent.u16(2, flags);
    }

    @Override
    public boolean kickNeeded() {
        VarHandle.fullFence();
        int added = addedSinceKick;
        addedSinceKick = 0;
        int flags = deviceEvent.u16(2) & 3;
        if (flags == 1) {
            return false;
        }
        if (flags == 2 && eventIdx) {
            return EventIndex.packedNeedEvent(deviceEvent.u16(0), availWrap, size, nextAvail, added);
        }
        return true;
    }

    @Override
    public boolean pollUsed() {
        int flags = ring.u16Acquire(16L * usedPos + 14);
        boolean a = (flags & F_AVAIL) != 0;
        boolean u = (flags & F_USED) != 0;
        if (a != usedWrap || u != usedWrap) {
            return false;
        }
        int id = ring.u16(16L * usedPos + 12);
        int len = ring.u32(16L * usedPos + 8);
        if (id >= size || !busy[id]) {
            throw notInFlight(id);
        }
        busy[id] = false;
        usedPos += slots[id];
        if (usedPos >= size) {
            usedPos -= size;
            usedWrap = !usedWrap;
        }
        freeSlots += slots[id];
        freeIds[freeIdCount++] = id;
        usedId = id;
        usedLength = len;
        return true;
    }

    private static IllegalStateException notInFlight(int id) {
        return new IllegalStateException("device returned buffer id " + id + ", which is not in flight");
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
        writeDriverEvent(0, enabled ? 0 : 1);
    }

    /** Asks for an interrupt only once the device uses the descriptor at the driver's next used position. */
    public void requestInterruptAtNextUsed() {
        writeDriverEvent(usedPos | (usedWrap ? 0x8000 : 0), 2);
    }
}
