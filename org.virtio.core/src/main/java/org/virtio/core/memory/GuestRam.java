package org.virtio.core.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

import org.virtio.core.internal.memory.HostMemory;

/**
 * Guest RAM: the standard {@link GuestMemory}. Regions are either memfd-backed shared mappings (so KVM
 * and vhost-user peers can map the same pages) or private anonymous mappings. Closing it
 * unmaps the regions and closes the memfds.
 */
public final class GuestRam implements GuestMemory, AutoCloseable {

    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Region.memfd values that are not descriptors: an anonymous mapping, a caller-owned segment. */
    private static final int ANONYMOUS = -1;
    private static final int CALLER_OWNED = -2;

    private final Region[] regions;
    private final List<MemoryRegion> regionList;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    /**
     * The region the last lookup hit: devices touch the same region again and again. Only a hint (racy
     * between queue threads by design): every use re-checks the range against the region it names.
     */
    private int lastHit;

    private GuestRam(List<Region> sorted) {
        this.regions = sorted.toArray(Region[]::new);
        this.regionList = List.copyOf(sorted);
    }

    /** @return a builder for guest RAM */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public List<MemoryRegion> regions() {
        return regionList;
    }

    @Override
    public int regionIndex(long gpa, long length, Access access) throws GuestMemoryException {
        // Fast path, small enough for the JIT to inline into the chain walk: the region hit last time.
        long last = gpa + length - 1;
        int hit = lastHit;
        Region r = regions[hit];
        if (length > 0 && Long.compareUnsigned(last, gpa) >= 0 && r.containsRange(gpa, last)
                && (access == Access.READ || !r.readOnly)) {
            return hit;
        }
        return regionIndexSlow(gpa, length, access);
    }

    private int regionIndexSlow(long gpa, long length, Access access) throws GuestMemoryException {
        if (length < 0) {
            throw new GuestMemoryException(MemoryError.OVERFLOW, gpa, length);
        }
        long last = gpa + (length == 0 ? 0 : length - 1);
        if (Long.compareUnsigned(last, gpa) < 0) {
            throw new GuestMemoryException(MemoryError.OVERFLOW, gpa, length);
        }
        int hit = find(gpa, last);
        if (hit < 0) {
            throw new GuestMemoryException(MemoryError.OUT_OF_RANGE, gpa, length);
        }
        lastHit = hit;
        if (access == Access.WRITE && regions[hit].readOnly) {
            throw new GuestMemoryException(MemoryError.READ_ONLY, gpa, length);
        }
        return hit;
    }

    private int find(long gpa, long last) {
        for (int i = 0; i < regions.length; i++) {
            if (regions[i].containsRange(gpa, last)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public MemorySegment regionSegment(int index) {
        return regions[index].segment;
    }

    @Override
    public long regionStart(int index) {
        return regions[index].start;
    }


    @Override
    public byte readByte(long gpa) throws GuestMemoryException {
        Region r = regions[regionIndex(gpa, 1, Access.READ)];
        return r.segment.get(ValueLayout.JAVA_BYTE, gpa - r.start);
    }

    @Override
    public short readShort(long gpa) throws GuestMemoryException {
        Region r = regions[regionIndex(gpa, 2, Access.READ)];
        return r.segment.get(SHORT_LE, gpa - r.start);
    }

    @Override
    public int readInt(long gpa) throws GuestMemoryException {
        Region r = regions[regionIndex(gpa, 4, Access.READ)];
        return r.segment.get(INT_LE, gpa - r.start);
    }

    @Override
    public long readLong(long gpa) throws GuestMemoryException {
        Region r = regions[regionIndex(gpa, 8, Access.READ)];
        return r.segment.get(LONG_LE, gpa - r.start);
    }

    @Override
    public void writeByte(long gpa, byte value) throws GuestMemoryException {
        Region r = regions[regionIndex(gpa, 1, Access.WRITE)];
        r.segment.set(ValueLayout.JAVA_BYTE, gpa - r.start, value);
    }

    @Override
    public void writeShort(long gpa, short value) throws GuestMemoryException {
        Region r = regions[regionIndex(gpa, 2, Access.WRITE)];
        r.segment.set(SHORT_LE, gpa - r.start, value);
    }

    @Override
    public void writeInt(long gpa, int value) throws GuestMemoryException {
        Region r = regions[regionIndex(gpa, 4, Access.WRITE)];
        r.segment.set(INT_LE, gpa - r.start, value);
    }

    @Override
    public void writeLong(long gpa, long value) throws GuestMemoryException {
        Region r = regions[regionIndex(gpa, 8, Access.WRITE)];
        r.segment.set(LONG_LE, gpa - r.start, value);
    }

    @Override
    public void read(long gpa, MemorySegment dst, long dstOff, long length) throws GuestMemoryException {
        int i = regionIndex(gpa, length, Access.READ);
        MemorySegment.copy(regions[i].segment, gpa - regions[i].start, dst, dstOff, length);
    }

    @Override
    public void write(long gpa, MemorySegment src, long srcOff, long length) throws GuestMemoryException {
        int i = regionIndex(gpa, length, Access.WRITE);
        MemorySegment.copy(src, srcOff, regions[i].segment, gpa - regions[i].start, length);
    }

    /**
     * Unmaps every region and closes the memfds; a second call does nothing. Stop every device first:
     * the mappings are plain host memory, and touching them after close is a crash, not an exception.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Region r : regions) {
            r.release();
        }
    }

    @Override
    public String toString() {
        return "GuestRam" + regionList;
    }

    private static final class Region implements MemoryRegion {
        final long start;
        final long size;
        final long last;
        final boolean readOnly;
        final MemorySegment segment;
        final int memfd;

        Region(long start, MemorySegment segment, boolean readOnly, int memfd) {
            this.start = start;
            this.size = segment.byteSize();
            this.last = start + size - 1;
            this.readOnly = readOnly;
            this.segment = segment;
            this.memfd = memfd;
        }

        /** Unmaps what this region mapped itself; caller-owned segments are left alone. */
        void release() {
            if (memfd != CALLER_OWNED) {
                HostMemory.unmap(segment);
            }
            if (memfd >= 0) {
                HostMemory.close(memfd);
            }
        }

        boolean containsRange(long first, long lastByte) {
            return Long.compareUnsigned(first, start) >= 0 && Long.compareUnsigned(lastByte, last) <= 0;
        }

        @Override
        public GuestAddress start() {
            return new GuestAddress(start);
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public boolean readOnly() {
            return readOnly;
        }

        @Override
        public MemorySegment segment() {
            return segment;
        }

        @Override
        public OptionalInt memfd() {
            return memfd >= 0 ? OptionalInt.of(memfd) : OptionalInt.empty();
        }

        @Override
        public String toString() {
            return "[0x" + Long.toHexString(start) + "+0x" + Long.toHexString(size) + (readOnly ? " ro" : "")
                    + (memfd >= 0 ? " memfd " + memfd : "") + "]";
        }
    }

    /** Collects regions; {@link #build} checks they neither overlap nor wrap. */
    public static final class Builder {
        private final List<Region> regions = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds plain (not shareable) memory, zero-filled and page-aligned (a private anonymous mapping).
         *
         * @param start first guest address
         * @param size  bytes, positive
         * @return this builder
         */
        public Builder anonymous(GuestAddress start, long size) {
            checkRange(start, size);
            MemorySegment seg;
            try {
                seg = HostMemory.mapAnonymous(size);
            } catch (RuntimeException e) {
                abort();
                throw e;
            }
            regions.add(new Region(start.value(), seg, false, ANONYMOUS));
            return this;
        }

        /**
         * Adds memfd-backed shared memory that another process can map.
         *
         * @param name  a name shown in /proc/PID/fd
         * @param start first guest address
         * @param size  bytes, positive, a multiple of 4096
         * @return this builder
         * @throws IllegalStateException when memfd_create, ftruncate or mmap fails (with errno)
         */
        public Builder memfd(String name, GuestAddress start, long size) {
            checkRange(start, size);
            if ((size & 4095) != 0) {
                abort();
                throw new IllegalArgumentException("memfd region size must be a multiple of 4096: " + size);
            }
            int fd;
            try {
                fd = HostMemory.create(Objects.requireNonNull(name));
            } catch (RuntimeException e) {
                abort();
                throw e;
            }
            try {
                MemorySegment seg = HostMemory.mapShared(fd, size);
                regions.add(new Region(start.value(), seg, false, fd));
            } catch (RuntimeException e) {
                HostMemory.close(fd);
                abort();
                throw e;
            }
            return this;
        }

        /**
         * Adds a caller-owned segment as a region (for example a read-only ROM image).
         *
         * @param start    first guest address
         * @param segment  the backing memory
         * @param readOnly whether device writes are refused
         * @return this builder
         */
        public Builder segment(GuestAddress start, MemorySegment segment, boolean readOnly) {
            checkRange(start, segment.byteSize());
            regions.add(new Region(start.value(), segment, readOnly, CALLER_OWNED));
            return this;
        }

        private void checkRange(GuestAddress start, long size) {
            try {
                if (size <= 0) {
                    throw new IllegalArgumentException("region size must be positive: " + size);
                }
                start.plus(size - 1);
            } catch (RuntimeException e) {
                abort();
                throw e;
            }
        }

        /**
         * Releases everything added so far (mappings and memfd descriptors). Called on every
         * failure, so a builder that throws leaks nothing; the builder is unusable afterwards.
         */
        public void abort() {
            for (Region r : regions) {
                r.release();
            }
            regions.clear();
        }

        /** @return the guest RAM  @throws IllegalArgumentException when regions overlap or none was added */
        public GuestRam build() {
            if (regions.isEmpty()) {
                abort();
                throw new IllegalArgumentException("guest RAM needs at least one region");
            }
            List<Region> sorted = new ArrayList<>(regions);
            sorted.sort(Comparator.comparing((Region r) -> r.start, Long::compareUnsigned));
            for (int i = 1; i < sorted.size(); i++) {
                if (Long.compareUnsigned(sorted.get(i).start, sorted.get(i - 1).last) <= 0) {
                    abort();
                    throw new IllegalArgumentException("guest RAM regions overlap: " + sorted.get(i - 1) + " and " + sorted.get(i));
                }
            }
            return new GuestRam(sorted);
        }
    }
}
