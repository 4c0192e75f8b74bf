package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.SimulatedDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;
import org.virtio.core.memory.MemoryRegion;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueError;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.QueueState;
import org.virtio.core.queue.VirtQueue;
import org.virtio.core.transport.VirtioDeviceHost;

/**
 * Part D as a seeded random test: 10,000 random descriptor chains per ring format (random tables, flags,
 * next links, lengths and addresses; some valid, many not) fed through a real device host. For every
 * chain: nothing throws out of the queue API, pop() terminates, an accepted chain's buffers lie inside
 * guest RAM (writable ones outside read-only memory) with the readable ones first, and a rejected chain
 * sets a QueueError, DEVICE_NEEDS_RESET and one config notification; the host is then reset and
 * re-initialised (with freshly drawn features and queue size).
 *
 * <p>An independent model of the rules (the "oracle", written from §2.7.5 / §2.7.5.3 / §2.8.5-§2.8.7 and
 * the device policies listed in Part D: zero-length buffers and table lengths not a multiple of 16 are
 * rejected, packed tables are arrays whose reserved flags are ignored, at most Queue Size buffers per
 * chain) re-reads each chain from guest memory and must agree on accept/reject and on the exact buffers.
 */
@DisplayName("Part D (2.7.5.2, 2.7.5.3.1, 2.7.6.1, 2.8.17, 2.8.19): seeded random descriptor chains")
class Sec2_7_And_2_8_RandomChainTest {
    private static final long SEED = 0x5EED;
    private static final int CHAINS = 10_000;

    private static java.util.logging.Logger hostLog;
    private static java.util.logging.Level savedLevel;

    @BeforeAll
    static void quietHostLog() {
        // Every rejected chain logs a DEVICE_NEEDS_RESET warning; 10,000 of them only drown the report.
        hostLog = java.util.logging.Logger.getLogger("org.virtio.core.internal.device.DeviceHostImpl");
        savedLevel = hostLog.getLevel();
        hostLog.setLevel(java.util.logging.Level.SEVERE);
    }

    @AfterAll
    static void restoreHostLog() {
        hostLog.setLevel(savedLevel);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(QueueFormat.class)
    @DisplayName("Part D: 10,000 random chains: no exception, bounded pop, accepted chains in RAM and ordered, rejected ones flagged")
    void partD_randomChains(QueueFormat format) {
        Stats s = assertTimeoutPreemptively(Duration.ofSeconds(50), () -> {
            try (Fuzzer f = new Fuzzer(format, new Random(SEED))) {
                return f.run(CHAINS);
            }
        });
        System.out.printf("[random chains, %s, seed 0x%X] %d chains: %d accepted, %d rejected, %d not available; "
                + "%d host resets; rejections by error: %s%n", format, SEED, CHAINS, s.accepted, s.rejected,
                s.notAvailable, s.resets, s.byError);
        assertEquals(CHAINS, s.accepted + s.rejected + s.notAvailable);
        assertTrue(s.accepted >= CHAINS / 5, "too few valid chains to mean anything: " + s.accepted);
        assertTrue(s.rejected >= CHAINS / 5, "too few malformed chains: " + s.rejected);
        assertTrue(s.byError.size() >= 8, "error kinds exercised: " + s.byError.keySet());
    }

    static final class Stats {
        int accepted;
        int rejected;
        int notAvailable;
        int resets;
        final Map<QueueError, Integer> byError = new EnumMap<>(QueueError.class);
    }

    /** What the oracle expects of the next pop(). */
    record Verdict(Kind kind, List<long[]> buffers, int id, int slots, String why) {
        enum Kind { ACCEPT, REJECT, NOT_AVAILABLE }

        static Verdict reject(String why) {
            return new Verdict(Kind.REJECT, List.of(), -1, 0, why);
        }
    }

    /** One buffer as the generator means it, before it is laid out as descriptors. */
    static final class Rec {
        long addr;
        long len;
        boolean write;
        int flagXor;
        int next = -1;
    }

    private static final class Fuzzer implements AutoCloseable {
        static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        static final int NEXT = 1;
        static final int WRITE = 2;
        static final int INDIRECT = 4;
        static final int AVAIL = 1 << 7;
        static final int USED = 1 << 15;
        static final int MAX_SIZE = 16;
        static final long RAM = ConformanceRig.RAM_SIZE;
        static final long DATA_BASE = 0x1000;
        static final long DATA_END = 0x7f000;
        static final long DESC = 0x80000;
        static final long DRIVER_AREA = 0x81000;
        static final long DEVICE_AREA = 0x82000;
        static final long TABLES = 0x90000;
        static final long RO_BASE = ConformanceRig.RO_BASE;
        static final long RO_SIZE = ConformanceRig.RO_SIZE;

        final QueueFormat format;
        final Random rnd;
        final Arena roArena = Arena.ofShared();
        final GuestRam ram;
        final List<MemoryRegion> regions;
        final ScriptedDevice device = new ScriptedDevice(1, MAX_SIZE).mode(ScriptedDevice.Mode.MANUAL);
        final SimulatedDriver driver;
        final VirtioDeviceHost host;
        final Stats stats = new Stats();

        int size;
        boolean indirect;
        VirtQueue q;
        int availIdx;
        int pos;
        boolean wrap;
        int usedPos;
        boolean usedWrap;
        int configBase;
        int iteration;

        Fuzzer(QueueFormat format, Random rnd) {
            this.format = format;
            this.rnd = rnd;
            this.ram = GuestRam.builder().anonymous(GuestAddress.of(0), RAM)
                    .segment(GuestAddress.of(RO_BASE), roArena.allocate(RO_SIZE, 4096), true).build();
            this.regions = ram.regions();
            this.driver = new SimulatedDriver(ram, GuestAddress.of(0xA0000), RAM - 0xA0000);
            this.host = driver.attach(device, null, "fuzz-" + format);
        }

        @Override
        public void close() {
            ram.close();
            roArena.close();
        }

        // ---- host life cycle ----------------------------------------------------------------------

        void reinit() {
            stats.resets++;
            long f = VirtioFeatures.bit(VirtioFeatures.VERSION_1);
            if (format == QueueFormat.PACKED) {
                f |= VirtioFeatures.bit(VirtioFeatures.RING_PACKED);
            }
            indirect = rnd.nextInt(6) != 0;
            if (indirect) {
                f |= VirtioFeatures.bit(VirtioFeatures.INDIRECT_DESC);
            }
            if (rnd.nextBoolean()) {
                f |= VirtioFeatures.bit(VirtioFeatures.EVENT_IDX);
            }
            if (rnd.nextInt(4) == 0) {
                f |= VirtioFeatures.bit(VirtioFeatures.IN_ORDER);
            }
            size = format == QueueFormat.PACKED ? 1 + rnd.nextInt(MAX_SIZE) : 1 << rnd.nextInt(5);
            seg(DESC, 16 * MAX_SIZE).fill((byte) 0);
            seg(DRIVER_AREA, 256).fill((byte) 0);
            seg(DEVICE_AREA, 256).fill((byte) 0);
            host.setStatus(0);
            host.setStatus(DeviceStatus.ACKNOWLEDGE);
            host.setStatus(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
            host.setDriverFeatures(f);
            host.setStatus(ConformanceRig.OK_STATUS);
            host.setQueueSize(0, size);
            host.setQueueAddresses(0, GuestAddress.of(DESC), GuestAddress.of(DRIVER_AREA), GuestAddress.of(DEVICE_AREA));
            host.setQueueReady(0, true);
            host.setStatus(ConformanceRig.OK_STATUS | DeviceStatus.DRIVER_OK);
            assertEquals(ConformanceRig.OK_STATUS | DeviceStatus.DRIVER_OK, host.status(), "re-initialisation failed");
            q = device.queue(0);
            assertNotNull(q);
            availIdx = 0;
            pos = 0;
            wrap = true;
            usedPos = 0;
            usedWrap = true;
            configBase = driver.configInterrupts();
        }

        Stats run(int chains) {
            reinit();
            for (iteration = 0; iteration < chains; iteration++) {
                if (format == QueueFormat.SPLIT) {
                    genSplit();
                } else {
                    genPacked();
                }
                Verdict v = format == QueueFormat.SPLIT ? splitOracle() : packedOracle();
                DescriptorChain c = null;
                try {
                    c = q.pop();
                } catch (Throwable t) {
                    fail(where() + "pop() threw", t);
                }
                switch (v.kind()) {
                    case ACCEPT -> accepted(c, v);
                    case REJECT -> rejected(c, v);
                    case NOT_AVAILABLE -> {
                        assertNull(c, where() + "popped a chain whose head is not available");
                        assertFalse(q.isBroken(), () -> where() + "broken on a head that is merely not available: " + q.error());
                        stats.notAvailable++;
                    }
                }
                if (rnd.nextInt(300) == 0) {
                    reinit(); // vary features and size even without errors
                }
            }
            return stats;
        }

        String where() {
            return "[" + format + " chain " + iteration + ", size " + size + ", indirect " + indirect + "] ";
        }

        void accepted(DescriptorChain c, Verdict v) {
            assertNotNull(c, () -> where() + "valid chain rejected with " + q.error() + "; oracle: " + v.why());
            // Invariants, from the chain alone.
            int n = c.bufferCount();
            int r = c.readableCount();
            assertTrue(n >= 1 && r >= 0 && r <= n, where() + "counts " + n + "/" + r);
            long rb = 0;
            long wb = 0;
            for (int i = 0; i < n; i++) {
                boolean w = c.isWritable(i);
                assertEquals(i >= r, w, where() + "readable buffers must precede writable ones");
                assertTrue(c.length(i) > 0, where() + "empty buffer " + i);
                assertTrue(inRam(c.address(i), c.length(i), w), () -> where() + "buffer outside RAM: " + c);
                assertEquals(c.length(i), c.segment(i).byteSize());
                if (w) {
                    wb += c.length(i);
                } else {
                    rb += c.length(i);
                }
            }
            assertEquals(rb, c.readableBytes());
            assertEquals(wb, c.writableBytes());
            // Agreement with the oracle: the same buffers, in order, and the same id.
            assertEquals(v.buffers().size(), n, () -> where() + "buffer count; oracle " + v.why() + ", chain " + c);
            for (int i = 0; i < n; i++) {
                long[] b = v.buffers().get(i);
                assertEquals(b[0], c.address(i), where() + "address of buffer " + i);
                assertEquals(b[1], c.length(i), where() + "length of buffer " + i);
                assertEquals(b[2] != 0, c.isWritable(i), where() + "direction of buffer " + i);
            }
            assertEquals(v.id(), c.id(), where() + "chain id");
            int written = (int) Math.min(c.writableBytes(), rnd.nextInt(1 << 20));
            int usedBefore = format == QueueFormat.SPLIT ? u16(DEVICE_AREA + 2) : usedPos;
            boolean usedWrapBefore = usedWrap;
            q.complete(c, written);
            QueueState st = q.state();
            if (format == QueueFormat.SPLIT) {
                assertEquals(availIdx, st.nextAvail(), where() + "device consumed one entry");
                assertEquals((usedBefore + 1) & 0xffff, u16(DEVICE_AREA + 2), where() + "used idx");
                long elem = DEVICE_AREA + 4 + 8L * (usedBefore & (size - 1));
                assertEquals(v.id(), u32(elem), where() + "used id");
                assertEquals(written, u32(elem + 4), where() + "used len");
            } else {
                int expectPos = pos + v.slots();
                boolean expectWrap = wrap;
                if (expectPos >= size) {
                    expectPos -= size;
                    expectWrap = !expectWrap;
                }
                assertEquals(expectPos, st.nextAvail(), where() + "device skipped " + v.slots() + " slots");
                assertEquals(expectWrap, st.availWrap());
                long slot = DESC + 16L * usedBefore;
                assertEquals(v.id(), u16(slot + 12), where() + "used buffer id");
                assertEquals(written, u32(slot + 8), where() + "used len");
                int fl = u16(slot + 14);
                int want = usedWrapBefore ? AVAIL | USED : 0;
                assertEquals(want, fl & (AVAIL | USED), where() + "used flags follow the device wrap counter");
                pos = st.nextAvail();
                wrap = st.availWrap();
                usedPos = st.nextUsed();
                usedWrap = st.usedWrap();
                int expectUsed = usedBefore + v.slots();
                assertEquals(expectUsed >= size ? expectUsed - size : expectUsed, usedPos, where() + "used position");
            }
            stats.accepted++;
        }

        void rejected(DescriptorChain c, Verdict v) {
            assertNull(c, () -> where() + "malformed chain accepted (" + v.why() + "): " + c);
            assertTrue(q.isBroken(), () -> where() + "queue not broken (" + v.why() + ")");
            QueueError e = q.error();
            assertNotNull(e);
            assertNull(q.pop(), where() + "a broken queue pops nothing");
            assertEquals(DeviceStatus.DEVICE_NEEDS_RESET, host.status() & DeviceStatus.DEVICE_NEEDS_RESET, where());
            assertEquals(configBase + 1, driver.configInterrupts(), where() + "one config change notification");
            stats.rejected++;
            stats.byError.merge(e, 1, Integer::sum);
            reinit();
        }

        // ---- memory helpers -----------------------------------------------------------------------

        MemorySegment seg(long gpa, long len) {
            for (MemoryRegion r : regions) {
                long off = gpa - r.start().value();
                if (Long.compareUnsigned(off, r.size()) < 0 && off + len <= r.size()) {
                    return r.segment().asSlice(off, len); // host view: writes even the read-only region
                }
            }
            throw new IllegalArgumentException("0x" + Long.toHexString(gpa));
        }

        long u64(long gpa) {
            return seg(gpa, 8).get(U64, 0);
        }

        int u32(long gpa) {
            return seg(gpa, 4).get(U32, 0);
        }

        int u16(long gpa) {
            return seg(gpa, 2).get(U16, 0) & 0xffff;
        }

        void desc(long gpa, long addr, long len, int a, int b) {
            MemorySegment s = seg(gpa, 16);
            s.set(U64, 0, addr);
            s.set(U32, 8, (int) len);
            s.set(U16, 12, (short) a);
            s.set(U16, 14, (short) b);
        }

        /** Independent range check: one region holds [addr, addr + len), no wrap, no write to read-only. */
        boolean inRam(long addr, long len, boolean write) {
            if (len <= 0) {
                return false;
            }
            long last = addr + len - 1;
            if (Long.compareUnsigned(last, addr) < 0) {
                return false;
            }
            for (MemoryRegion r : regions) {
                long start = r.start().value();
                long end = start + r.size() - 1;
                if (Long.compareUnsigned(addr, start) >= 0 && Long.compareUnsigned(last, end) <= 0) {
                    return !(write && r.readOnly());
                }
            }
            return false;
        }

        // ---- generation -----------------------------------------------------------------------------

        long goodAddr(long len, boolean write) {
            if (!write && rnd.nextInt(10) == 0) {
                return RO_BASE + rnd.nextInt((int) (RO_SIZE - len));
            }
            return DATA_BASE + rnd.nextInt((int) (DATA_END - DATA_BASE - len));
        }

        long badAddr() {
            return switch (rnd.nextInt(8)) {
                case 0 -> RAM + rnd.nextInt(0x1000);
                case 1 -> RAM - 1 - rnd.nextInt(8);
                case 2 -> 0x180000L + rnd.nextInt(0x1000);
                case 3 -> RO_BASE + RO_SIZE - 1 - rnd.nextInt(4);
                case 4 -> -1L - rnd.nextInt(4096);
                case 5 -> 1L << 32;
                case 6 -> rnd.nextLong();
                default -> RO_BASE + rnd.nextInt(256);
            };
        }

        long randLen() {
            return 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 4096);
        }

        List<Rec> buffers(int n) {
            int readable = rnd.nextInt(n + 1);
            List<Rec> recs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Rec r = new Rec();
                r.write = i >= readable;
                r.len = randLen();
                r.addr = goodAddr(r.len, r.write);
                recs.add(r);
            }
            return recs;
        }

        void mutate(List<Rec> recs) {
            Rec r = recs.get(rnd.nextInt(recs.size()));
            switch (rnd.nextInt(10)) {
                case 0 -> r.len = 0;
                case 1 -> r.len = rnd.nextInt() & 0xffffffffL;
                case 2 -> r.addr = badAddr();
                case 3 -> r.write = !r.write;
                case 4 -> r.flagXor ^= 1 << rnd.nextInt(3);
                case 5 -> r.next = rnd.nextInt(size + 3);
                case 6 -> r.next = 0xffff;
                case 7 -> r.addr = -1L - rnd.nextInt(64);
                case 8 -> {
                    r.write = true;
                    r.addr = RO_BASE + rnd.nextInt(1024);
                }
                default -> r.flagXor ^= rnd.nextInt(8);
            }
        }

        long tableAddr(int entries) {
            int roll = rnd.nextInt(20);
            long base = roll == 0 ? RO_BASE + 16L * rnd.nextInt(512)
                    : roll == 1 ? badAddr() : TABLES + 16L * rnd.nextInt(0xf00);
            if (rnd.nextInt(8) == 0 && roll > 1) {
                base += 1 + rnd.nextInt(15); // misaligned tables are legal
            }
            return base;
        }

        /** Whether a table at t can be written by the test (it lies in mapped memory); if not, it stays a bad pointer. */
        boolean tableFits(long t, long bytes) {
            return inRam(t, bytes, false);
        }

        void genSplit() {
            int special = rnd.nextInt(100);
            int mask = size - 1;
            if (special < 2) {
                availIdx = (availIdx + size + 1 + rnd.nextInt(0x7000)) & 0xffff; // jump (or decrement)
                seg(DRIVER_AREA + 2, 2).set(U16, 0, (short) availIdx);
                return;
            }
            int head;
            if (special < 5) {
                head = size + rnd.nextInt(0x10000 - size);
            } else if (special < 13) {
                for (int k = 1 + rnd.nextInt(size); k > 0; k--) {
                    long len = rnd.nextInt(4) == 0 ? rnd.nextInt() & 0xffffffffL : randLen();
                    long addr = rnd.nextBoolean() ? goodAddr(Math.min(len, 0x1000), false) : badAddr();
                    int fl = rnd.nextInt(8) | (rnd.nextInt(10) == 0 ? rnd.nextInt(0x10000) : 0);
                    desc(DESC + 16L * rnd.nextInt(size), addr, len, fl, rnd.nextInt(size + 2));
                }
                head = rnd.nextInt(size);
            } else {
                int n = 1 + rnd.nextInt(Math.min(size + 2, 8));
                List<Rec> recs = buffers(n);
                boolean ind = rnd.nextInt(3) == 0;
                int prefix = ind ? rnd.nextInt(n) : n;
                int mutations = rnd.nextInt(100) < 45 ? 1 + rnd.nextInt(2) : 0;
                for (int m = 0; m < mutations; m++) {
                    mutate(recs);
                }
                int needed = prefix + (ind ? 1 : 0);
                int[] idx = new int[needed];
                List<Integer> perm = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    perm.add(i);
                }
                java.util.Collections.shuffle(perm, rnd);
                for (int i = 0; i < needed; i++) {
                    idx[i] = perm.get(i % size); // more than size descriptors: the chain loops
                }
                for (int i = 0; i < prefix; i++) {
                    Rec r = recs.get(i);
                    boolean more = i + 1 < needed;
                    int fl = ((r.write ? WRITE : 0) | (more ? NEXT : 0)) ^ r.flagXor;
                    int next = r.next >= 0 ? r.next : more ? idx[i + 1] : 0;
                    desc(DESC + 16L * idx[i], r.addr, r.len, fl, next);
                }
                if (ind) {
                    int m = n - prefix;
                    long t = tableAddr(m);
                    if (tableFits(t, 16L * m)) {
                        for (int k = 0; k < m; k++) {
                            Rec r = recs.get(prefix + k);
                            boolean more = k + 1 < m;
                            int fl = ((r.write ? WRITE : 0) | (more ? NEXT : 0)) ^ r.flagXor;
                            desc(t + 16L * k, r.addr, r.len, fl, r.next >= 0 ? r.next : more ? k + 1 : 0);
                        }
                    }
                    long tlen = 16L * m;
                    int ptrFlags = INDIRECT | (rnd.nextInt(8) == 0 ? WRITE : 0); // WRITE on the pointer is ignored
                    int roll = rnd.nextInt(40);
                    if (roll == 0) {
                        tlen = 0;
                    } else if (roll == 1) {
                        tlen += 8;
                    } else if (roll == 2) {
                        ptrFlags |= NEXT;
                    }
                    desc(DESC + 16L * idx[prefix], t, tlen, ptrFlags, perm.get(rnd.nextInt(size)));
                }
                head = idx[0];
            }
            seg(DRIVER_AREA + 4 + 2L * (availIdx & mask), 2).set(U16, 0, (short) head);
            availIdx = (availIdx + 1) & 0xffff;
            seg(DRIVER_AREA + 2, 2).set(U16, 0, (short) availIdx);
        }

        int availBits(boolean w) {
            return w ? AVAIL : USED;
        }

        void genPacked() {
            int special = rnd.nextInt(100);
            long headSlot = DESC + 16L * pos;
            if (special < 3) {
                int wrong = switch (rnd.nextInt(3)) {
                    case 0 -> 0;
                    case 1 -> AVAIL | USED;
                    default -> availBits(!wrap);
                };
                long len = randLen();
                desc(headSlot, goodAddr(len, true), len, rnd.nextInt(0x10000), WRITE | wrong);
                return;
            }
            int headFlags;
            if (special < 10) {
                int k = 1 + rnd.nextInt(size);
                headFlags = 0;
                int p = pos;
                boolean w = wrap;
                for (int i = 0; i < k; i++) {
                    long len = rnd.nextInt(4) == 0 ? rnd.nextInt() & 0xffffffffL : randLen();
                    long addr = rnd.nextBoolean() ? goodAddr(Math.min(len, 0x1000), false) : badAddr();
                    int fl = (rnd.nextInt(8) | (rnd.nextInt(10) == 0 ? rnd.nextInt(0x10000) : 0)) & ~(AVAIL | USED)
                            | availBits(w);
                    if (i == 0) {
                        headFlags = fl;
                        desc(DESC + 16L * p, addr, len, rnd.nextInt(0x10000), 0);
                    } else {
                        desc(DESC + 16L * p, addr, len, rnd.nextInt(0x10000), fl);
                    }
                    if (++p == size) {
                        p = 0;
                        w = !w;
                    }
                }
            } else {
                int n = 1 + rnd.nextInt(Math.min(size + 2, 8));
                List<Rec> recs = buffers(n);
                boolean ind = rnd.nextInt(3) == 0;
                int prefix = ind ? (rnd.nextInt(10) == 0 ? rnd.nextInt(n) : 0) : n; // direct before indirect is illegal
                int mutations = rnd.nextInt(100) < 45 ? 1 + rnd.nextInt(2) : 0;
                for (int m = 0; m < mutations; m++) {
                    mutate(recs);
                }
                int slots = Math.min(prefix + (ind ? 1 : 0), size);
                boolean overlong = prefix + (ind ? 1 : 0) > size;
                headFlags = 0;
                int p = pos;
                boolean w = wrap;
                for (int i = 0; i < slots; i++) {
                    boolean isPtr = ind && i == prefix;
                    int fl;
                    long addr;
                    long len;
                    if (isPtr) {
                        int m = n - prefix;
                        long t = tableAddr(m);
                        if (tableFits(t, 16L * m)) {
                            for (int k = 0; k < m; k++) {
                                Rec r = recs.get(prefix + k);
                                int junk = rnd.nextInt(10) == 0 ? (NEXT | AVAIL | USED) & rnd.nextInt(0x10000) : 0;
                                desc(t + 16L * k, r.addr, r.len, rnd.nextInt(0x10000),
                                        (((r.write ? WRITE : 0) | junk) ^ r.flagXor) & 0xffff);
                            }
                        }
                        addr = t;
                        len = 16L * m;
                        fl = INDIRECT | (rnd.nextInt(8) == 0 ? WRITE : 0);
                        int roll = rnd.nextInt(40);
                        if (roll == 0) {
                            len = 0;
                        } else if (roll == 1) {
                            len += 8;
                        } else if (roll == 2) {
                            fl |= NEXT;
                        }
                    } else {
                        Rec r = recs.get(i);
                        boolean more = overlong || i + 1 < slots;
                        fl = ((r.write ? WRITE : 0) | (more ? NEXT : 0)) ^ (r.flagXor & 7);
                        addr = r.addr;
                        len = r.len;
                    }
                    fl = (fl & ~(AVAIL | USED)) | availBits(w);
                    int id = rnd.nextInt(0x10000);
                    if (i == 0) {
                        headFlags = fl;
                        desc(DESC + 16L * p, addr, len, id, 0);
                    } else {
                        desc(DESC + 16L * p, addr, len, id, fl);
                    }
                    if (++p == size) {
                        p = 0;
                        w = !w;
                    }
                }
            }
            seg(headSlot + 14, 2).set(U16, 0, (short) headFlags); // the head's flags last
        }

        // ---- the oracle -------------------------------------------------------------------------------

        Verdict splitOracle() {
            int last = q.state().nextAvail();
            int idx = u16(DRIVER_AREA + 2);
            int pending = (idx - last) & 0xffff;
            if (pending > size) {
                return Verdict.reject("avail idx jump " + pending);
            }
            if (pending == 0) {
                return new Verdict(Verdict.Kind.NOT_AVAILABLE, List.of(), -1, 0, "nothing published");
            }
            int head = u16(DRIVER_AREA + 4 + 2L * (last & (size - 1)));
            if (head >= size) {
                return Verdict.reject("head " + head);
            }
            long table = DESC;
            long entries = size;
            boolean inTable = false;
            boolean sawWrite = false;
            int i = head;
            List<long[]> out = new ArrayList<>();
            while (true) {
                long base = table + 16L * i;
                long addr = u64(base);
                long len = u32(base + 8) & 0xffffffffL;
                int fl = u16(base + 12);
                int next = u16(base + 14);
                if ((fl & INDIRECT) != 0) {
                    if (!indirect) {
                        return Verdict.reject("indirect not negotiated");
                    }
                    if (inTable) {
                        return Verdict.reject("nested indirect");
                    }
                    if ((fl & NEXT) != 0) {
                        return Verdict.reject("indirect + next");
                    }
                    if (len == 0 || len % 16 != 0) {
                        return Verdict.reject("table length " + len);
                    }
                    if (!inRam(addr, len, false)) {
                        return Verdict.reject("table outside RAM");
                    }
                    table = addr;
                    entries = len / 16;
                    inTable = true;
                    i = 0;
                    continue;
                }
                if (out.size() == size) {
                    return Verdict.reject("more than " + size + " buffers (loop or over-long)");
                }
                if (len == 0) {
                    return Verdict.reject("zero length");
                }
                boolean w = (fl & WRITE) != 0;
                if (!w && sawWrite) {
                    return Verdict.reject("readable after writable");
                }
                sawWrite |= w;
                if (!inRam(addr, len, w)) {
                    return Verdict.reject("buffer outside RAM");
                }
                out.add(new long[] {addr, len, w ? 1 : 0});
                if ((fl & NEXT) == 0) {
                    return new Verdict(Verdict.Kind.ACCEPT, out, head, 0, "valid, " + out.size() + " buffers");
                }
                if (next >= entries) {
                    return Verdict.reject("next " + next + " out of range");
                }
                i = next;
            }
        }

        Verdict packedOracle() {
            int headFlags = u16(DESC + 16L * pos + 14);
            boolean a = (headFlags & AVAIL) != 0;
            boolean u = (headFlags & USED) != 0;
            if (a != wrap || u == wrap) {
                return new Verdict(Verdict.Kind.NOT_AVAILABLE, List.of(), -1, 0, "head not available");
            }
            int p = pos;
            int count = 0;
            boolean sawWrite = false;
            List<long[]> out = new ArrayList<>();
            while (true) {
                if (++count > size) {
                    return Verdict.reject("list longer than the ring");
                }
                long base = DESC + 16L * p;
                long addr = u64(base);
                long len = u32(base + 8) & 0xffffffffL;
                int id = u16(base + 12);
                int fl = u16(base + 14);
                p = (p + 1) % size;
                if ((fl & INDIRECT) != 0) {
                    if (!indirect) {
                        return Verdict.reject("indirect not negotiated");
                    }
                    if ((fl & NEXT) != 0 || count != 1) {
                        return Verdict.reject("indirect in a list");
                    }
                    if (len == 0 || len % 16 != 0) {
                        return Verdict.reject("table length " + len);
                    }
                    if (len / 16 > size) {
                        return Verdict.reject("table longer than the ring");
                    }
                    if (!inRam(addr, len, false)) {
                        return Verdict.reject("table outside RAM");
                    }
                    for (long k = 0; k < len / 16; k++) {
                        long e = addr + 16 * k;
                        long ea = u64(e);
                        long el = u32(e + 8) & 0xffffffffL;
                        int ef = u16(e + 14);
                        if ((ef & INDIRECT) != 0) {
                            return Verdict.reject("nested indirect");
                        }
                        if (el == 0) {
                            return Verdict.reject("zero length in table");
                        }
                        boolean w = (ef & WRITE) != 0;
                        if (!w && sawWrite) {
                            return Verdict.reject("readable after writable in table");
                        }
                        sawWrite |= w;
                        if (!inRam(ea, el, w)) {
                            return Verdict.reject("table buffer outside RAM");
                        }
                        out.add(new long[] {ea, el, w ? 1 : 0});
                    }
                    return new Verdict(Verdict.Kind.ACCEPT, out, id, 1, "valid indirect, " + out.size() + " buffers");
                }
                if (len == 0) {
                    return Verdict.reject("zero length");
                }
                boolean w = (fl & WRITE) != 0;
                if (!w && sawWrite) {
                    return Verdict.reject("readable after writable");
                }
                sawWrite |= w;
                if (!inRam(addr, len, w)) {
                    return Verdict.reject("buffer outside RAM");
                }
                out.add(new long[] {addr, len, w ? 1 : 0});
                if ((fl & NEXT) == 0) {
                    return new Verdict(Verdict.Kind.ACCEPT, out, id, count, "valid, " + count + " descriptors");
                }
            }
        }
    }
}
