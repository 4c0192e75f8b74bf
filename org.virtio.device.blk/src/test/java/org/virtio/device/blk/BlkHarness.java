package org.virtio.device.blk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SimulatedDriver;
import org.virtio.core.driver.SimulatedGuest;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.transport.VirtioDeviceHost;

/** Test support: one block device behind {@link SimulatedDriver} over 4 MiB of guest RAM. */
final class BlkHarness implements AutoCloseable {
    static final long BLK = VirtioFeatures.bit(BlkSpec.F_SEG_MAX) | VirtioFeatures.bit(BlkSpec.F_BLK_SIZE)
            | VirtioFeatures.bit(BlkSpec.F_FLUSH) | VirtioFeatures.bit(BlkSpec.F_RO)
            | VirtioFeatures.bit(BlkSpec.F_DISCARD) | VirtioFeatures.bit(BlkSpec.F_WRITE_ZEROES);
    static final long SPLIT = BLK | VirtioFeatures.bit(VirtioFeatures.VERSION_1)
            | VirtioFeatures.bit(VirtioFeatures.EVENT_IDX) | VirtioFeatures.bit(VirtioFeatures.INDIRECT_DESC);
    static final long PACKED = SPLIT | VirtioFeatures.bit(VirtioFeatures.RING_PACKED);
    private static final long RAM = 4 << 20;
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final SimulatedDriver driver;
    final VirtioDeviceHost host;
    private final SimulatedGuest guest;

    BlkHarness(VirtioDevice device, long features) {
        guest = SimulatedGuest.start(device, "test/blk0", RAM, features, 64);
        driver = guest.driver();
        host = guest.host();
    }

    QueueDriver queue() {
        return driver.queue(BlkDevice.REQUEST_QUEUE);
    }

    /** One buffer of a chain being built. */
    record Buf(GuestAddress at, int length, boolean writable) {
    }

    /** Builds one chain: buffers in order; readable ones must come first. */
    final class Chain {
        final List<Buf> bufs = new ArrayList<>();

        /** Adds a readable buffer holding the given bytes. */
        Chain in(byte[] bytes) {
            GuestAddress a = guest.buffer(bytes.length);
            write(a, bytes);
            bufs.add(new Buf(a, bytes.length, false));
            return this;
        }

        /** Adds a writable buffer, filled with 0xEE so writes show. */
        Chain out(int length) {
            GuestAddress a = guest.buffer(length);
            byte[] fill = new byte[length];
            java.util.Arrays.fill(fill, (byte) 0xEE);
            write(a, fill);
            bufs.add(new Buf(a, length, true));
            return this;
        }

        /** Posts the chain, kicks, and returns the used length (-1 when nothing came back). */
        int submit(boolean indirect) {
            long[] addrs = new long[bufs.size()];
            int[] lens = new int[bufs.size()];
            boolean[] w = new boolean[bufs.size()];
            for (int i = 0; i < addrs.length; i++) {
                addrs[i] = bufs.get(i).at().value();
                lens[i] = bufs.get(i).length();
                w[i] = bufs.get(i).writable();
            }
            if (queue().add(addrs, lens, w, addrs.length, indirect) < 0) {
                throw new IllegalStateException("ring full");
            }
            driver.kick(BlkDevice.REQUEST_QUEUE);
            return queue().pollUsed() ? queue().usedLength() : -1;
        }

        int submit() {
            return submit(false);
        }

        /** @return the bytes of buffer i */
        byte[] bytes(int i) {
            return read(bufs.get(i).at(), bufs.get(i).length());
        }

        /** @return the last byte of the last buffer: the status */
        int status() {
            byte[] last = bytes(bufs.size() - 1);
            return last[last.length - 1] & 0xff;
        }
    }

    Chain chain() {
        return new Chain();
    }

    static byte[] header(int type, long sector) {
        byte[] h = new byte[16];
        MemorySegment s = MemorySegment.ofArray(h);
        s.set(INT_LE, 0, type);
        s.set(LONG_LE, 8, sector);
        return h;
    }

    static byte[] segment(long sector, int count, int flags) {
        byte[] h = new byte[16];
        MemorySegment s = MemorySegment.ofArray(h);
        s.set(LONG_LE, 0, sector);
        s.set(INT_LE, 8, count);
        s.set(INT_LE, 12, flags);
        return h;
    }

    /** Writes sectors with one OUT request: header, data, status. @return the status */
    int writeSectors(long sector, byte[] data) {
        Chain c = chain().in(header(BlkSpec.T_OUT, sector)).in(data).out(1);
        int used = c.submit();
        if (used != 1) {
            throw new IllegalStateException("OUT used length " + used);
        }
        return c.status();
    }

    /** Reads sectors with one IN request; returns the chain so status and data can be checked. */
    Chain readSectors(long sector, int length) {
        Chain c = chain().in(header(BlkSpec.T_IN, sector)).out(length).out(1);
        int used = c.submit();
        if (used != length + 1 && used != 1) {
            throw new IllegalStateException("IN used length " + used);
        }
        return c;
    }

    /** A simple request: header + status only. @return the chain after submitting */
    Chain simple(int type, long sector) {
        Chain c = chain().in(header(type, sector)).out(1);
        c.submit();
        return c;
    }

    void write(GuestAddress at, byte[] bytes) {
        guest.write(at, bytes);
    }

    byte[] read(GuestAddress at, int length) {
        return guest.read(at, length);
    }

    @Override
    public void close() {
        guest.close();
    }
}
