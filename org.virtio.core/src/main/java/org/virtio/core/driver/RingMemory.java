package org.virtio.core.driver;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import org.virtio.core.memory.Access;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.memory.GuestMemoryException;

/** Little-endian ring fields over one checked slice of guest memory, with acquire/release 16-bit access. */
final class RingMemory {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U16_ATOMIC = U16.varHandle();

    final MemorySegment seg;
    final long base;

    RingMemory(GuestMemory memory, GuestAddress base, long length) {
        try {
            this.seg = memory.slice(base.value(), length, Access.WRITE);
        } catch (GuestMemoryException e) {
            throw new IllegalArgumentException("ring memory at " + base + " (" + length + " bytes): " + e.getMessage(), e);
        }
        this.base = base.value();
    }

    int u16(long off) {
        return seg.get(U16, off) & 0xffff;
    }

    int u16Acquire(long off) {
        return (short) U16_ATOMIC.getAcquire(seg, off) & 0xffff;
    }

    void u16(long off, int v) {
        seg.set(U16, off, (short) v);
    }

    void u16Release(long off, int v) {
        U16_ATOMIC.setRelease(seg, off, (short) v);
    }

    int u32(long off) {
        return seg.get(U32, off);
    }

    void u32(long off, int v) {
        seg.set(U32, off, v);
    }

    void u64(long off, long v) {
        seg.set(U64, off, v);
    }

    long u64(long off) {
        return seg.get(U64, off);
    }
}
