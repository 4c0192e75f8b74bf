package org.virtio.device.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SimulatedDriver;
import org.virtio.core.driver.SimulatedGuest;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.transport.VirtioDeviceHost;

/** Test support: one net device behind {@link SimulatedDriver} over 4 MiB of guest RAM. */
final class NetHarness implements AutoCloseable {
    static final long SPLIT = VirtioFeatures.bit(VirtioFeatures.VERSION_1) | VirtioFeatures.bit(VirtioFeatures.EVENT_IDX)
            | VirtioFeatures.bit(VirtioFeatures.INDIRECT_DESC) | VirtioFeatures.bit(NetSpec.F_MAC)
            | VirtioFeatures.bit(NetSpec.F_STATUS) | VirtioFeatures.bit(NetSpec.F_MTU);
    static final long SPLIT_MRG = SPLIT | VirtioFeatures.bit(NetSpec.F_MRG_RXBUF);
    static final long PACKED_MRG = SPLIT_MRG | VirtioFeatures.bit(VirtioFeatures.RING_PACKED);
    static final int RX = NetDevice.RECEIVE_QUEUE;
    static final int TX = NetDevice.TRANSMIT_QUEUE;
    private static final long RAM = 4 << 20;

    final SimulatedDriver driver;
    final VirtioDeviceHost host;
    private final SimulatedGuest guest;

    NetHarness(VirtioDevice device, long features) {
        guest = SimulatedGuest.start(device, "test/net0", RAM, features, 64);
        driver = guest.driver();
        host = guest.host();
    }

    QueueDriver q(int queue) {
        return driver.queue(queue);
    }

    GuestAddress buffer(int length) {
        return guest.buffer(length);
    }

    int add(int queue, GuestAddress[] buffers, int[] lengths, boolean[] writable) {
        return guest.add(queue, buffers, lengths, writable, false);
    }

    /** Posts {@code n} receive buffers of {@code size} bytes and kicks. @return their addresses by chain id */
    java.util.Map<Integer, GuestAddress> postRx(int n, int size) {
        java.util.Map<Integer, GuestAddress> byId = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            GuestAddress a = buffer(size);
            byId.put(add(RX, new GuestAddress[] {a}, new int[] {size}, new boolean[] {true}), a);
        }
        driver.kick(RX);
        return byId;
    }

    /** Transmits header + frame as one readable buffer (or split at {@code cut} when positive) and reaps it. @return used length */
    int transmit(byte[] hdr, byte[] frame, int cut) {
        byte[] all = new byte[hdr.length + frame.length];
        System.arraycopy(hdr, 0, all, 0, hdr.length);
        System.arraycopy(frame, 0, all, hdr.length, frame.length);
        if (cut > 0 && cut < all.length) {
            GuestAddress a = buffer(cut);
            GuestAddress b = buffer(all.length - cut);
            write(a, Arrays.copyOfRange(all, 0, cut));
            write(b, Arrays.copyOfRange(all, cut, all.length));
            add(TX, new GuestAddress[] {a, b}, new int[] {cut, all.length - cut}, new boolean[] {false, false});
        } else {
            GuestAddress a = buffer(all.length);
            write(a, all);
            add(TX, new GuestAddress[] {a}, new int[] {all.length}, new boolean[] {false});
        }
        driver.kick(TX);
        return usedLength(TX);
    }

    static byte[] header() {
        return new byte[NetSpec.HDR_SIZE];
    }

    /** @return an Ethernet frame of the given length with recognisable content */
    static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (i * 7 + seed * 31 + i / 256);
        }
        return f;
    }

    int usedLength(int queue) {
        return guest.usedLength(queue);
    }

    static int numBuffers(byte[] hdr) {
        return Short.toUnsignedInt(MemorySegment.ofArray(hdr).get(
                ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), NetSpec.HDR_NUM_BUFFERS));
    }

    void write(GuestAddress at, byte[] src) {
        guest.write(at, src);
    }

    byte[] read(GuestAddress at, int length) {
        return guest.read(at, length);
    }

    @Override
    public void close() {
        guest.close();
    }
}
