package org.virtio.vhost.user.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;
import org.virtio.vhost.user.internal.protocol.Message;
import org.virtio.vhost.user.internal.protocol.ProtocolException;
import org.virtio.vhost.user.internal.sys.Fds;
import org.virtio.vhost.user.internal.sys.SharedMapping;
import org.virtio.vhost.user.internal.sys.SysException;

/**
 * The frontend's guest memory as SET_MEM_TABLE describes it: each region (guest physical address, size,
 * frontend user-space address, offset in the passed descriptor) is mapped shared through FFM and becomes a
 * region of a core {@link GuestRam} at its guest physical address. The user-space addresses are kept to
 * translate the ring addresses of SET_VRING_ADDR. A bad region (empty, overflowing, overlapping another in
 * either address space, past the end of its file, unmappable) rejects the whole table, and everything
 * mapped so far is released.
 */
final class MemoryTable implements AutoCloseable {
    /** VHOST_MEMORY_BASELINE_NREGIONS. */
    static final int MAX_REGIONS = 8;
    private static final int REGION_BYTES = 32;

    private record Region(long gpa, long size, long uva, long mmapOffset, SharedMapping mapping) {
        long uvaEnd() {
            return uva + size;
        }
    }

    private final List<Region> regions;
    private final GuestRam ram;

    private MemoryTable(List<Region> regions, GuestRam ram) {
        this.regions = regions;
        this.ram = ram;
    }

    /**
     * Parses and maps a SET_MEM_TABLE message. The descriptors are taken from the message and closed
     * once mapped (the mappings keep the memory).
     *
     * @param m the message
     * @return the table
     * @throws ProtocolException naming the region and what is wrong with it
     */
    static MemoryTable fromMessage(Message m) throws ProtocolException {
        long n = m.u32(0);
        if (n == 0 || n > MAX_REGIONS) {
            throw new ProtocolException("SET_MEM_TABLE: " + n + " regions, expected 1 to " + MAX_REGIONS);
        }
        m.requireSize(8 + (int) n * REGION_BYTES);
        if (m.fdCount() != n) {
            throw new ProtocolException("SET_MEM_TABLE: " + n + " regions but " + m.fdCount() + " file descriptors");
        }
        List<Region> mapped = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                int off = 8 + i * REGION_BYTES;
                long gpa = m.u64(off);
                long size = m.u64(off + 8);
                long uva = m.u64(off + 16);
                long mmapOffset = m.u64(off + 24);
                int fd = m.takeFd(i);
                try {
                    checkRegion(i, gpa, size, uva, mmapOffset);
                    SharedMapping mapping;
                    try {
                        mapping = SharedMapping.map(fd, mmapOffset, size);
                    } catch (SysException e) {
                        throw new ProtocolException("SET_MEM_TABLE: region " + i + " (gpa 0x" + Long.toHexString(gpa)
                                + ", " + size + " bytes, mmap_offset " + mmapOffset + "): " + e.getMessage(), e);
                    }
                    mapped.add(new Region(gpa, size, uva, mmapOffset, mapping));
                } finally {
                    Fds.close(fd);
                }
            }
            checkOverlaps(mapped);
            GuestRam.Builder b = GuestRam.builder();
            for (Region r : mapped) {
                b.segment(new GuestAddress(r.gpa), r.mapping.segment(), false);
            }
            GuestRam ram;
            try {
                ram = b.build();
            } catch (RuntimeException e) {
                throw new ProtocolException("SET_MEM_TABLE: " + e.getMessage(), e);
            }
            return new MemoryTable(List.copyOf(mapped), ram);
        } catch (ProtocolException | RuntimeException e) {
            mapped.forEach(r -> r.mapping.close());
            throw e;
        }
    }

    private static void checkRegion(int i, long gpa, long size, long uva, long mmapOffset) throws ProtocolException {
        String where = "SET_MEM_TABLE: region " + i + " (gpa 0x" + Long.toHexString(gpa) + ", size 0x"
                + Long.toHexString(size) + ", uva 0x" + Long.toHexString(uva) + ", mmap_offset 0x"
                + Long.toHexString(mmapOffset) + ")";
        if (size <= 0) {
            throw new ProtocolException(where + ": size is zero or above 2^63");
        }
        if (mmapOffset < 0) {
            throw new ProtocolException(where + ": mmap_offset above 2^63");
        }
        if (Long.compareUnsigned(gpa + size - 1, gpa) < 0) {
            throw new ProtocolException(where + ": guest address range wraps past 2^64");
        }
        if (Long.compareUnsigned(uva + size - 1, uva) < 0) {
            throw new ProtocolException(where + ": user address range wraps past 2^64");
        }
        if (mmapOffset + size < 0) {
            throw new ProtocolException(where + ": mmap_offset + size overflows");
        }
    }

    private static void checkOverlaps(List<Region> rs) throws ProtocolException {
        List<Region> byGpa = new ArrayList<>(rs);
        byGpa.sort(Comparator.comparing(Region::gpa, Long::compareUnsigned));
        for (int i = 1; i < byGpa.size(); i++) {
            Region a = byGpa.get(i - 1);
            Region b = byGpa.get(i);
            if (Long.compareUnsigned(b.gpa, a.gpa + a.size - 1) <= 0) {
                throw new ProtocolException("SET_MEM_TABLE: regions at gpa 0x" + Long.toHexString(a.gpa) + " and 0x"
                        + Long.toHexString(b.gpa) + " overlap");
            }
        }
        List<Region> byUva = new ArrayList<>(rs);
        byUva.sort(Comparator.comparing(Region::uva, Long::compareUnsigned));
        for (int i = 1; i < byUva.size(); i++) {
            Region a = byUva.get(i - 1);
            Region b = byUva.get(i);
            if (Long.compareUnsigned(b.uva, a.uva + a.size - 1) <= 0) {
                throw new ProtocolException("SET_MEM_TABLE: regions at user address 0x" + Long.toHexString(a.uva)
                        + " and 0x" + Long.toHexString(b.uva) + " overlap");
            }
        }
    }

    /** @return guest memory over the mapped regions */
    GuestRam ram() {
        return ram;
    }

    /** @return the number of regions */
    int regionCount() {
        return regions.size();
    }

    /**
     * Translates a frontend user-space address (SET_VRING_ADDR) to a guest physical address.
     *
     * @param uva  the address
     * @param what which ring, for the message
     * @return the guest physical address
     * @throws ProtocolException when no region holds the address
     */
    GuestAddress toGuest(long uva, String what) throws ProtocolException {
        for (Region r : regions) {
            if (Long.compareUnsigned(uva, r.uva) >= 0 && Long.compareUnsigned(uva - r.uva, r.size) < 0) {
                return new GuestAddress(r.gpa + (uva - r.uva));
            }
        }
        throw new ProtocolException(what + " at user address 0x" + Long.toHexString(uva)
                + " is outside every memory region");
    }

    /** Unmaps every region. Stop every device and ring first: their segments become invalid. */
    @Override
    public void close() {
        ram.close();
        regions.forEach(r -> r.mapping.close());
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("memory table");
        for (Region r : regions) {
            sb.append(" [gpa 0x").append(Long.toHexString(r.gpa)).append(" +0x").append(Long.toHexString(r.size))
                    .append(" uva 0x").append(Long.toHexString(r.uva)).append(']');
        }
        return sb.toString();
    }
}
