package org.virtio.device.input;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SimulatedDriver;
import org.virtio.core.driver.SimulatedGuest;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.transport.VirtioDeviceHost;

/** Test support: one input device behind {@link SimulatedDriver} over 1 MiB of heap-backed guest RAM. */
final class InputHarness implements AutoCloseable {
    static final long SPLIT = VirtioFeatures.bit(VirtioFeatures.VERSION_1) | VirtioFeatures.bit(VirtioFeatures.EVENT_IDX)
            | VirtioFeatures.bit(VirtioFeatures.INDIRECT_DESC);
    static final long PACKED = SPLIT | VirtioFeatures.bit(VirtioFeatures.RING_PACKED);
    static final int EVQ = InputDevice.EVENT_QUEUE;
    static final int STQ = InputDevice.STATUS_QUEUE;
    private static final long RAM = 1 << 20;

    final SimulatedDriver driver;
    final VirtioDeviceHost host;
    private final SimulatedGuest guest;

    InputHarness(VirtioDevice device, long features) {
        guest = SimulatedGuest.start(device, "test/input0", RAM, features, 64);
        driver = guest.driver();
        host = guest.host();
    }

    QueueDriver q(int queue) {
        return driver.queue(queue);
    }

    GuestAddress buffer(int length) {
        return guest.buffer(length);
    }

    /** Posts one chain without kicking. @return the chain id */
    int add(int queue, GuestAddress[] buffers, int[] lengths, boolean[] writable) {
        return guest.add(queue, buffers, lengths, writable, false);
    }

    /** Posts {@code n} 8-byte eventq buffers and kicks. @return their addresses, indexed by chain id */
    java.util.Map<Integer, GuestAddress> postEventBuffers(int n) {
        java.util.Map<Integer, GuestAddress> byId = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            GuestAddress a = buffer(8);
            byId.put(add(EVQ, new GuestAddress[] {a}, new int[] {8}, new boolean[] {true}), a);
        }
        driver.kick(EVQ);
        return byId;
    }

    /** Sends one status event on the statusq as one readable 8-byte buffer. @return the used length, -1 if none */
    int sendStatus(int type, int code, int value) {
        GuestAddress a = buffer(8);
        write(a, event(type, code, value));
        add(STQ, new GuestAddress[] {a}, new int[] {8}, new boolean[] {false});
        driver.kick(STQ);
        return usedLength(STQ);
    }

    static byte[] event(int type, int code, int value) {
        byte[] b = new byte[8];
        MemorySegment s = MemorySegment.ofArray(b);
        s.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, (short) type);
        s.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2, (short) code);
        s.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4, value);
        return b;
    }

    /** @return the event at a guest address as {type, code, value} */
    int[] readEvent(GuestAddress a) {
        MemorySegment s = MemorySegment.ofArray(read(a, 8));
        return new int[] {
            Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0)),
            Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2)),
            s.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4)};
    }

    /** @return the length of the next used buffer on the queue, or -1 when there is none */
    int usedLength(int queue) {
        return guest.usedLength(queue);
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
