package org.virtio.kvm.boot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.virtio.core.memory.GuestMemory;
import org.virtio.core.memory.MemoryRegion;

/**
 * The guest-physical memory map handed to the guest: the boot_params e820 table of the Linux boot
 * protocol and the PVH {@code hvm_memmap_table} use the same entries ({@code addr, size, type}) and
 * the same type numbers. Entries are sorted and never overlap.
 *
 * <p>{@link #standard} gives the PC layout Firecracker and Cloud Hypervisor use: RAM below
 * {@link #EBDA_START}, the EBDA/VGA/BIOS hole up to 1 MiB reserved (the ACPI tables live in it), RAM
 * from 1 MiB, and gaps where guest RAM has none (for example the 32-bit MMIO hole).
 *
 * @param entries the entries, sorted by address, not overlapping
 */
public record E820Map(List<Entry> entries) {
    /** Usable RAM. */
    public static final int TYPE_RAM = 1;
    /** Reserved: the guest must not use it. */
    public static final int TYPE_RESERVED = 2;
    /** ACPI reclaimable (tables the OS may free after reading). */
    public static final int TYPE_ACPI = 3;
    /** ACPI non-volatile storage. */
    public static final int TYPE_NVS = 4;
    /** Unusable. */
    public static final int TYPE_UNUSABLE = 5;

    /** Where the Extended BIOS Data Area starts: conventional memory ends here (639 KiB). */
    public static final long EBDA_START = 0x9fc00;
    /** The first byte of high memory. */
    public static final long HIGH_MEMORY_START = 0x100000;
    /** The most entries boot_params holds (E820_MAX_ENTRIES_ZEROPAGE). */
    public static final int MAX_ZERO_PAGE_ENTRIES = 128;

    /**
     * One range.
     *
     * @param address first guest-physical address
     * @param size    bytes, positive, not wrapping
     * @param type    {@link #TYPE_RAM}, {@link #TYPE_RESERVED}, …
     */
    public record Entry(long address, long size, int type) {
        /** Checks the range. */
        public Entry {
            if (size <= 0 || address < 0 || address > Long.MAX_VALUE - size) {
                throw new IllegalArgumentException("bad e820 range 0x" + Long.toHexString(address) + "+0x" + Long.toHexString(size));
            }
            if (type < TYPE_RAM) {
                throw new IllegalArgumentException("bad e820 type " + type);
            }
        }

        /** @return the first address after the range */
        public long end() {
            return address + size;
        }
    }

    /** Sorts and checks that no two entries overlap. */
    public E820Map {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::address));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).address() < sorted.get(i - 1).end()) {
                throw new IllegalArgumentException("e820 entries overlap: " + sorted.get(i - 1) + " and " + sorted.get(i));
            }
        }
        entries = List.copyOf(sorted);
    }

    /**
     * The PC layout over the given guest RAM: every writable region becomes RAM, except that the part
     * between {@link #EBDA_START} and {@link #HIGH_MEMORY_START} is reserved (when RAM covers it).
     *
     * @param memory guest RAM
     * @return the map
     */
    public static E820Map standard(GuestMemory memory) {
        List<Entry> out = new ArrayList<>();
        for (MemoryRegion r : memory.regions()) {
            long start = r.start().value();
            long end = start + r.size();
            if (r.readOnly()) {
                out.add(new Entry(start, r.size(), TYPE_RESERVED));
                continue;
            }
            addClipped(out, start, end, 0, EBDA_START, TYPE_RAM);
            addClipped(out, start, end, EBDA_START, HIGH_MEMORY_START, TYPE_RESERVED);
            addClipped(out, start, end, HIGH_MEMORY_START, Long.MAX_VALUE, TYPE_RAM);
        }
        return new E820Map(out);
    }

    private static void addClipped(List<Entry> out, long start, long end, long lo, long hi, int type) {
        long s = Math.max(start, lo);
        long e = Math.min(end, hi);
        if (s < e) {
            out.add(new Entry(s, e - s, type));
        }
    }

    /**
     * @param entry an entry to add (for example a reserved MMIO range)
     * @return a new map with it
     * @throws IllegalArgumentException when it overlaps an entry
     */
    public E820Map with(Entry entry) {
        List<Entry> all = new ArrayList<>(entries);
        all.add(entry);
        return new E820Map(all);
    }

    /**
     * @param address first address
     * @param size    bytes
     * @return whether the whole range lies in RAM entries (adjacent RAM entries count as one)
     */
    public boolean isRam(long address, long size) {
        if (size <= 0 || address < 0 || address > Long.MAX_VALUE - size) {
            return false;
        }
        long cursor = address;
        long end = address + size;
        for (Entry e : entries) {
            if (e.type() == TYPE_RAM && e.address() <= cursor && cursor < e.end()) {
                cursor = e.end();
                if (cursor >= end) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The highest {@code size}-byte, {@code alignment}-aligned range of RAM ending at or below
     * {@code limit} — where Firecracker and Cloud Hypervisor put the initrd.
     *
     * @param size      bytes, positive
     * @param alignment a power of two
     * @param limit     the first address the range must not reach
     * @return the start address, or -1 when nothing fits
     */
    public long highestRam(long size, long alignment, long limit) {
        if (size <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("bad size or alignment: " + size + ", " + alignment);
        }
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            if (e.type() != TYPE_RAM) {
                continue;
            }
            long top = Math.min(e.end(), limit);
            if (top - size < e.address()) {
                continue;
            }
            long start = (top - size) & -alignment;
            if (start >= e.address()) {
                return start;
            }
        }
        return -1;
    }
}
