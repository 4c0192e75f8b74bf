package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.PackedQueueDriver;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SimulatedDriver;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;
import org.virtio.core.queue.QueueError;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.VirtQueue;
import org.virtio.core.transport.VirtioDeviceHost;

/**
 * One device under test: 1 MiB of guest RAM at 0 (optionally plus a 64 KiB read-only region at
 * {@link #RO_BASE}), a {@link ScriptedDevice}, its {@link VirtioDeviceHost}, and a {@link SimulatedDriver}
 * whose rings live in {@code [DRIVER_WINDOW, RAM_SIZE)}. Test buffers and hand-made indirect tables come
 * from {@code [DATA_BASE, DRIVER_WINDOW)}.
 */
final class ConformanceRig implements AutoCloseable {
    static final long RAM_SIZE = 1 << 20;
    static final long DATA_BASE = 0x1000;
    static final long DRIVER_WINDOW = 0x40000;
    /** The read-only region (when present) starts here: between it and RAM_SIZE nothing is mapped. */
    static final long RO_BASE = 0x200000;
    static final long RO_SIZE = 0x10000;

    static final long FEAT_VERSION_1 = VirtioFeatures.bit(VirtioFeatures.VERSION_1);
    static final long FEAT_INDIRECT = VirtioFeatures.bit(VirtioFeatures.INDIRECT_DESC);
    static final long FEAT_EVENT_IDX = VirtioFeatures.bit(VirtioFeatures.EVENT_IDX);
    static final long FEAT_PACKED = VirtioFeatures.bit(VirtioFeatures.RING_PACKED);
    static final long FEAT_IN_ORDER = VirtioFeatures.bit(VirtioFeatures.IN_ORDER);

    static final int OK_STATUS = DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final GuestRam ram;
    final ScriptedDevice device;
    final SimulatedDriver driver;
    final VirtioDeviceHost host;
    /** The read-only region's backing memory (the test may fill it; the device may only read it), or null. */
    final MemorySegment readOnly;
    private final Arena roArena;
    private long nextData = DATA_BASE;
    private int configAtInit;

    /** Used element as the driver collected it. */
    record Used(int id, int len) {
    }

    private ConformanceRig(GuestRam ram, Arena roArena, MemorySegment readOnly, ScriptedDevice device) {
        this.ram = ram;
        this.roArena = roArena;
        this.readOnly = readOnly;
        this.device = device;
        this.driver = new SimulatedDriver(ram, GuestAddress.of(DRIVER_WINDOW), RAM_SIZE - DRIVER_WINDOW);
        this.host = driver.attach(device, null, "conformance");
    }

    /** @return the standard guest RAM: 1 MiB of anonymous memory at guest address 0 */
    static GuestRam standardRam() {
        return GuestRam.builder().anonymous(GuestAddress.of(0), RAM_SIZE).build();
    }

    static ConformanceRig create(int queues, int maxQueueSize) {
        return create(new ScriptedDevice(queues, maxQueueSize));
    }

    static ConformanceRig create(ScriptedDevice device) {
        return new ConformanceRig(standardRam(), null, null, device);
    }

    /** Standard RAM plus a read-only region at {@link #RO_BASE} (a ROM image, say). */
    static ConformanceRig withReadOnlyRegion(ScriptedDevice device) {
        Arena arena = Arena.ofShared();
        MemorySegment rom = arena.allocate(RO_SIZE, 4096);
        GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), RAM_SIZE)
                .segment(GuestAddress.of(RO_BASE), rom, true).build();
        return new ConformanceRig(ram, arena, rom, device);
    }

    static long ringFeature(QueueFormat format) {
        return format == QueueFormat.PACKED ? FEAT_PACKED : 0;
    }

    // ---- initialisation ------------------------------------------------------------------------

    /** Full §3.1.1 sequence (VERSION_1 added). @return whether the device is now DRIVER_OK */
    boolean init(long features, int queueSize) {
        boolean ok = driver.initialize(FEAT_VERSION_1 | features, queueSize);
        configAtInit = driver.configInterrupts();
        return ok;
    }

    void initOrFail(long features, int queueSize) {
        assertTrue(init(features, queueSize), () -> "initialisation failed: status "
                + DeviceStatus.describe(host.status()) + ", reason " + host.needsResetReason());
    }

    /** Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK (asserted). */
    void negotiate(long features) {
        host.setStatus(0);
        host.setStatus(DeviceStatus.ACKNOWLEDGE);
        host.setStatus(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        host.setDriverFeatures(FEAT_VERSION_1 | features);
        host.setStatus(OK_STATUS);
        assertEquals(OK_STATUS, host.status(), "FEATURES_OK refused");
    }

    /** Negotiate and lay out the queues, stopping short of DRIVER_OK. */
    void initUpToDriverOk(long features, int queueSize) {
        negotiate(features);
        driver.setupQueues(FEAT_VERSION_1 | features, queueSize);
    }

    /** Sets DRIVER_OK. @return whether the device is DRIVER_OK without DEVICE_NEEDS_RESET */
    boolean driverOk() {
        configAtInit = driver.configInterrupts();
        host.setStatus(OK_STATUS | DeviceStatus.DRIVER_OK);
        return host.status() == (OK_STATUS | DeviceStatus.DRIVER_OK);
    }

    QueueDriver qd(int q) {
        return driver.queue(q);
    }

    SplitQueueDriver split(int q) {
        return (SplitQueueDriver) driver.queue(q);
    }

    PackedQueueDriver packed(int q) {
        return (PackedQueueDriver) driver.queue(q);
    }

    VirtQueue vq(int q) {
        VirtQueue v = device.queue(q);
        assertNotNull(v, "queue " + q + " is not open");
        return v;
    }

    int configInterruptsSinceInit() {
        return driver.configInterrupts() - configAtInit;
    }

    // ---- guest memory ---------------------------------------------------------------------------

    /** Reserves test memory in the data area (wraps around when exhausted; tests are short). */
    long alloc(long length, long align) {
        long at = (nextData + align - 1) & -align;
        if (at + length > DRIVER_WINDOW) {
            at = DATA_BASE;
        }
        nextData = at + length;
        return at;
    }

    MemorySegment slice(long gpa, long len) {
        for (var r : ram.regions()) {
            if (r.contains(gpa)) {
                return r.segment().asSlice(gpa - r.start().value(), len);
            }
        }
        throw new IllegalArgumentException("no region at 0x" + Long.toHexString(gpa));
    }

    byte[] read(long gpa, int len) {
        return slice(gpa, len).toArray(ValueLayout.JAVA_BYTE);
    }

    void write(long gpa, byte[] data) {
        MemorySegment.copy(MemorySegment.ofArray(data), 0, slice(gpa, data.length), 0, data.length);
    }

    void fill(long gpa, int len, byte value) {
        slice(gpa, len).fill(value);
    }

    /** Writes a split-ring descriptor {addr, len, flags, next} at gpa (indirect tables). */
    void splitDesc(long gpa, long addr, int len, int flags, int next) {
        MemorySegment s = slice(gpa, 16);
        s.set(U64, 0, addr);
        s.set(U32, 8, len);
        s.set(U16, 12, (short) flags);
        s.set(U16, 14, (short) next);
    }

    /** Writes a packed-ring descriptor {addr, len, id, flags} at gpa (indirect tables). */
    void packedDesc(long gpa, long addr, int len, int id, int flags) {
        MemorySegment s = slice(gpa, 16);
        s.set(U64, 0, addr);
        s.set(U32, 8, len);
        s.set(U16, 12, (short) id);
        s.set(U16, 14, (short) flags);
    }

    static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + 1);
        }
        return b;
    }

    // ---- driver-side helpers ----------------------------------------------------------------------

    /** Addresses of the buffers of the chain most recently added with {@link #add}. */
    long[] lastAddrs = new long[0];

    /**
     * Adds a well-formed chain: readable buffers filled with a pattern, writable ones zeroed.
     *
     * @return the chain id, or -1 when the ring is full
     */
    int add(int q, int[] readLens, int[] writeLens, boolean indirect) {
        int n = readLens.length + writeLens.length;
        long[] addrs = new long[n];
        int[] lens = new int[n];
        boolean[] w = new boolean[n];
        for (int i = 0; i < n; i++) {
            boolean writable = i >= readLens.length;
            lens[i] = writable ? writeLens[i - readLens.length] : readLens[i];
            addrs[i] = alloc(lens[i], 16);
            w[i] = writable;
            if (writable) {
                fill(addrs[i], lens[i], (byte) 0);
            } else {
                write(addrs[i], pattern(lens[i], i));
            }
        }
        lastAddrs = addrs;
        return qd(q).add(addrs, lens, w, n, indirect);
    }

    /** One readable and one writable buffer of 8 bytes each. */
    int addSimple(int q) {
        return add(q, new int[] {8}, new int[] {8}, false);
    }

    /** Notifies the device regardless of suppression (a spurious notification is legal, §2.7.10.2). */
    void kick(int q) {
        assertDoesNotThrow(() -> host.notifyQueue(q));
    }

    List<Used> drain(int q) {
        List<Used> out = new ArrayList<>();
        QueueDriver d = qd(q);
        while (d.pollUsed()) {
            out.add(new Used(d.usedId(), d.usedLength()));
        }
        return out;
    }

    /** @return used ring element i of split queue q, read raw (for chains the test wrote by hand) */
    Used splitUsed(int q, int i) {
        SplitQueueDriver d = split(q);
        MemorySegment s = slice(d.deviceArea().value() + 4 + 8L * (i & (d.size() - 1)), 8);
        return new Used(s.get(U32, 0), s.get(U32, 4));
    }

    /** @return the raw 16-byte packed descriptor at ring position pos of queue q: {addr, len, id, flags} */
    long[] packedSlot(int q, int pos) {
        MemorySegment s = slice(packed(q).descArea().value() + 16L * pos, 16);
        return new long[] {s.get(U64, 0), s.get(U32, 8) & 0xffffffffL, s.get(U16, 12) & 0xffff, s.get(U16, 14) & 0xffff};
    }

    // ---- outcome checks -----------------------------------------------------------------------------

    /**
     * The defined outcome of a malformed chain: pop() returns null without throwing, the queue is broken
     * with the expected error, the host is DEVICE_NEEDS_RESET with a reason, and (DRIVER_OK being set)
     * exactly one configuration change notification was sent (§2.1.2, DEV-2.1.2-2 and DEV-2.1.2-3).
     */
    void assertBroken(int q, QueueError expected) {
        VirtQueue v = vq(q);
        VirtQueue popped = v;
        assertDoesNotThrow(() -> assertNull(popped.pop(), "pop() on a broken queue returns null"));
        assertTrue(v.isBroken(), "queue should be broken with " + expected);
        assertEquals(expected, v.error());
        assertEquals(DeviceStatus.DEVICE_NEEDS_RESET, host.status() & DeviceStatus.DEVICE_NEEDS_RESET,
                "DEVICE_NEEDS_RESET");
        assertEquals(DeviceStatus.DRIVER_OK, host.status() & DeviceStatus.DRIVER_OK);
        assertEquals(1, configInterruptsSinceInit(), "one configuration change notification (DEV-2.1.2-3)");
        assertNotNull(host.needsResetReason());
        assertTrue(host.needsResetReason().contains(expected.message()), host.needsResetReason());
    }

    /** The queue setup at DRIVER_OK was refused: DEVICE_NEEDS_RESET, a config notification, no activation. */
    void assertSetupRefused(String reasonFragment) {
        assertEquals(OK_STATUS | DeviceStatus.DRIVER_OK | DeviceStatus.DEVICE_NEEDS_RESET, host.status());
        assertEquals(1, configInterruptsSinceInit(), "one configuration change notification (DEV-2.1.2-3)");
        assertNotNull(host.needsResetReason());
        assertTrue(host.needsResetReason().contains(reasonFragment), host.needsResetReason());
        assertNull(device.context, "the device is not activated over an unusable queue");
    }

    /** One echo round trip on queue q: 8 bytes in, the same 8 bytes back, one used element. */
    void assertRoundTrip(int q) {
        ScriptedDevice.Mode before = device.mode;
        device.mode = ScriptedDevice.Mode.ECHO;
        try {
            int id = add(q, new int[] {8}, new int[] {8}, false);
            assertTrue(id >= 0, "ring has room");
            long in = lastAddrs[0];
            long out = lastAddrs[1];
            kick(q);
            List<Used> used = drain(q);
            assertEquals(List.of(new Used(id, 8)), used);
            assertArrayEquals(read(in, 8), read(out, 8));
            assertFalse(vq(q).isBroken());
        } finally {
            device.mode = before;
        }
    }

    /** Reset afterwards recovers the device: status 0, then a full re-initialisation and a round trip per queue. */
    void assertRecovers(long features, int queueSize) {
        host.setStatus(0);
        assertEquals(0, host.status(), "DEV-2.4.1-1: status reads 0 after reset");
        assertNull(host.needsResetReason());
        initOrFail(features, queueSize);
        assertEquals(OK_STATUS | DeviceStatus.DRIVER_OK, host.status());
        for (int q = 0; q < host.queueCount(); q++) {
            assertRoundTrip(q);
        }
    }

    @Override
    public void close() {
        ram.close();
        if (roArena != null) {
            roArena.close();
        }
    }
}
