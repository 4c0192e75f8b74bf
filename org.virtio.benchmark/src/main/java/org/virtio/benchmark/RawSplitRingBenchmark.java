package org.virtio.benchmark;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;

/**
 * A diagnostic floor, not the product: {@code ring_bench.c}'s split-ring loop ported line by line to
 * Java over one {@link MemorySegment} (the {@link GuestRam} region), with primitive arrays for the chain
 * pool and the bounds check written inline, none of the core's abstractions (no {@code VirtQueue},
 * {@code ChainImpl}, {@code GuestMemory} lookups, {@code QueueDriver}). The gap between this and C is
 * what FFM access and the JIT cost by themselves; the gap between this and {@link VirtQueueBenchmark} is
 * what the core's structure costs. Same operation, same per-batch structure and same chains as
 * {@link VirtQueueBenchmark} (split only).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class RawSplitRingBenchmark {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle A16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final int Q = VirtQueueBenchmark.QUEUE_SIZE;
    private static final long RAM_START = VirtQueueBenchmark.RAM_START;
    private static final long RAM_LAST = RAM_START + VirtQueueBenchmark.RAM_SIZE - 1;
    private static final int MAX_ELEMENTS = 4;

    @Param({"1", "3"})
    public int descriptors;

    @Param({"1", "32"})
    public int batch;

    private GuestRam guestRam;
    private MemorySegment ram;
    private final long desc = 0;
    private final long avail = 16L * Q;
    private final long used = (avail + 6 + 2L * Q + 3) & ~3L;

    // device side
    private int lastAvail;
    private int cachedAvail;
    private int usedIdx;
    private int publishedUsedIdx;
    private final int[] freeChains = new int[Q];
    private int freeChainCount = Q;
    private final int[] chainId = new int[Q];
    private final int[] chainCount = new int[Q];
    private final long[] chainWritable = new long[Q];
    private final long[] chainAddr = new long[Q * MAX_ELEMENTS];
    private final long[] chainLen = new long[Q * MAX_ELEMENTS];

    // driver side
    private final int[] freeStack = new int[Q];
    private int freeCount = Q;
    private final int[] chainLength = new int[Q];
    private final boolean[] busy = new boolean[Q];
    private int availIdx;
    private int lastUsed;
    private int usedId;
    private int usedLen;

    private int rounds;
    private long[][] addrs;
    private int[] lens;
    private boolean[] writable;

    @Setup(Level.Trial)
    public void setup() {
        guestRam = GuestRam.builder().anonymous(new GuestAddress(RAM_START), VirtQueueBenchmark.RAM_SIZE).build();
        ram = guestRam.regionSegment(0);
        rounds = VirtQueueBenchmark.CHAINS_PER_INVOCATION / batch;
        for (int i = 0; i < Q; i++) {
            freeChains[i] = i;
            freeStack[i] = Q - 1 - i;
        }
        addrs = new long[batch][descriptors];
        lens = new int[descriptors];
        writable = new boolean[descriptors];
        for (int j = 0; j < descriptors; j++) {
            lens[j] = VirtQueueBenchmark.BUFFER_SIZE;
            writable[j] = descriptors == 1 || j > 0;
        }
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < descriptors; j++) {
                addrs[b][j] = RAM_START + VirtQueueBenchmark.BUFFERS_OFFSET
                        + (long) VirtQueueBenchmark.BUFFER_SIZE * (b * descriptors + j);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        guestRam.close();
    }

    private int driverAdd(long[] a, int[] l, boolean[] w, int count) {
        if (freeCount < count) {
            return -1;
        }
        int head = freeStack[freeCount - 1];
        int prev = -1;
        for (int i = 0; i < count; i++) {
            int x = freeStack[--freeCount];
            if (prev >= 0) {
                ram.set(U16, desc + 16L * prev + 14, (short) x);
                ram.set(U16, desc + 16L * prev + 12, (short) (ram.get(U16, desc + 16L * prev + 12) | 1));
            }
            long off = desc + 16L * x;
            ram.set(U64, off, a[i]);
            ram.set(U32, off + 8, l[i]);
            ram.set(U16, off + 12, (short) (w[i] ? 2 : 0));
            ram.set(U16, off + 14, (short) 0);
            prev = x;
        }
        chainLength[head] = count;
        busy[head] = true;
        ram.set(U16, avail + 4 + 2L * (availIdx & (Q - 1)), (short) head);
        availIdx = (availIdx + 1) & 0xffff;
        A16.setRelease(ram, avail + 2, (short) availIdx);
        return head;
    }

    private boolean driverPoll() {
        int idx = (short) A16.getAcquire(ram, used + 2) & 0xffff;
        if (idx == lastUsed) {
            return false;
        }
        long off = used + 4 + 8L * (lastUsed & (Q - 1));
        int id = ram.get(U32, off);
        int len = ram.get(U32, off + 4);
        if (id < 0 || id >= Q || !busy[id]) {
            throw new IllegalStateException("bad used id " + id);
        }
        busy[id] = false;
        int x = id;
        for (int i = 0; i < chainLength[id]; i++) {
            freeStack[freeCount++] = x;
            x = ram.get(U16, desc + 16L * x + 14) & 0xffff;
        }
        lastUsed = (lastUsed + 1) & 0xffff;
        usedId = id;
        usedLen = len;
        return true;
    }

    /** @return a chain slot, or -1; throws on any driver mistake (none happen here) */
    private int pop() {
        if (lastAvail == cachedAvail) {
            int idx = (short) A16.getAcquire(ram, avail + 2) & 0xffff;
            if (((idx - lastAvail) & 0xffff) > Q) {
                throw new IllegalStateException("avail index jump");
            }
            cachedAvail = idx;
            if (idx == lastAvail) {
                return -1;
            }
        }
        int c = freeChains[--freeChainCount];
        chainCount[c] = 0;
        chainWritable[c] = 0;
        int head = ram.get(U16, avail + 4 + 2L * (lastAvail & (Q - 1))) & 0xffff;
        lastAvail = (lastAvail + 1) & 0xffff;
        if (head >= Q) {
            throw new IllegalStateException("head out of range");
        }
        chainId[c] = head;
        boolean sawWritable = false;
        int i = head;
        int hops = 0;
        while (true) {
            if (++hops > Q) {
                throw new IllegalStateException("chain too long");
            }
            long off = desc + 16L * i;
            long addr = ram.get(U64, off);
            long len = ram.get(U32, off + 8) & 0xffffffffL;
            int flags = ram.get(U16, off + 12) & 0xffff;
            int next = ram.get(U16, off + 14) & 0xffff;
            if ((flags & 4) != 0 || len == 0) {
                throw new IllegalStateException("indirect or zero length");
            }
            boolean w = (flags & 2) != 0;
            if (w) {
                sawWritable = true;
            } else if (sawWritable) {
                throw new IllegalStateException("readable after writable");
            }
            long last = addr + len - 1;
            if (Long.compareUnsigned(last, addr) < 0 || Long.compareUnsigned(addr, RAM_START) < 0
                    || Long.compareUnsigned(last, RAM_LAST) > 0) {
                throw new IllegalStateException("buffer outside guest RAM");
            }
            int n = chainCount[c]++;
            if (n == MAX_ELEMENTS) {
                throw new IllegalStateException("chain too long for this floor benchmark");
            }
            chainAddr[c * MAX_ELEMENTS + n] = addr;
            chainLen[c * MAX_ELEMENTS + n] = len;
            if (w) {
                chainWritable[c] += len;
            }
            if ((flags & 1) == 0) {
                return c;
            }
            if (next >= Q) {
                throw new IllegalStateException("next out of range");
            }
            i = next;
        }
    }

    private void addUsed(int c, int written) {
        long off = used + 4 + 8L * (usedIdx & (Q - 1));
        ram.set(U32, off, chainId[c]);
        ram.set(U32, off + 4, written);
        usedIdx = (usedIdx + 1) & 0xffff;
        freeChains[freeChainCount++] = c;
    }

    private boolean flush() {
        if (usedIdx == publishedUsedIdx) {
            return false;
        }
        A16.setRelease(ram, used + 2, (short) usedIdx);
        VarHandle.fullFence();
        boolean notify = (ram.get(U16, avail) & 1) == 0;
        publishedUsedIdx = usedIdx;
        return notify;
    }

    /** @return a value derived from the reaped ids, so nothing is dead code */
    @Benchmark
    @OperationsPerInvocation(VirtQueueBenchmark.CHAINS_PER_INVOCATION)
    public int chains() {
        int sum = 0;
        for (int r = 0; r < rounds; r++) {
            for (int b = 0; b < batch; b++) {
                if (driverAdd(addrs[b], lens, writable, descriptors) < 0) {
                    throw new IllegalStateException("ring full");
                }
            }
            for (int b = 0; b < batch; b++) {
                int c = pop();
                if (c < 0) {
                    throw new IllegalStateException("no chain available");
                }
                addUsed(c, (int) chainWritable[c]);
            }
            if (flush()) {
                sum++;
            }
            for (int b = 0; b < batch; b++) {
                if (!driverPoll()) {
                    throw new IllegalStateException("used buffer missing");
                }
                sum += usedId + usedLen;
            }
        }
        return sum;
    }
}
