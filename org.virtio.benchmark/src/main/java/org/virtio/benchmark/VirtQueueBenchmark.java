package org.virtio.benchmark;

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
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.driver.PackedQueueDriver;
import org.virtio.core.driver.QueueDriver;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueError;
import org.virtio.core.queue.QueueFailureHandler;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.QueueState;
import org.virtio.core.queue.UsedBufferNotifier;
import org.virtio.core.queue.VirtQueue;
import org.virtio.core.queue.VirtQueues;

/**
 * Device-side virtqueue throughput: chains popped, validated and pushed used per second, with the
 * trivial in-process driver that re-posts the buffers inside the measured loop. One operation is one
 * chain. Per batch of B chains: the driver adds B chains, the device pops B, adds B used, flushes once,
 * and the driver reaps B. Each invocation runs {@value #CHAINS_PER_INVOCATION} chains (32/B batches), so
 * the score is chains/s for every batch size.
 *
 * <p>Chains: 1 descriptor = one device-writable 4 KiB buffer; 3 descriptors = one device-readable 4 KiB
 * buffer followed by two device-writable 4 KiB buffers. The device touches no payload byte; it reports
 * the whole writable part as written. Features: VERSION_1 (+ RING_PACKED); no EVENT_IDX, no INDIRECT_DESC.
 * Queue size 256, guest RAM one anonymous {@link GuestRam} region. {@code ring_bench.c} is the C
 * reference doing the same work.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class VirtQueueBenchmark {
    /** Chains per benchmark invocation, for every batch size (a multiple of every batch size). */
    public static final int CHAINS_PER_INVOCATION = 32;
    static final int QUEUE_SIZE = 256;
    static final int BUFFER_SIZE = 4096;
    static final long RAM_START = 0x1000_0000L;
    static final long RAM_SIZE = 2L << 20;
    /** Rings at the start of RAM, buffers from here on. */
    static final long BUFFERS_OFFSET = 64L << 10;

    @Param({"SPLIT", "PACKED"})
    public QueueFormat format;

    @Param({"1", "3"})
    public int descriptors;

    @Param({"1", "32"})
    public int batch;

    private GuestRam ram;
    private QueueDriver driver;
    private VirtQueue queue;
    private int rounds;
    /** Buffer addresses for the chain at each batch position. */
    private long[][] addrs;
    private int[] lens;
    private boolean[] writable;
    private QueueError failure;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        if (CHAINS_PER_INVOCATION % batch != 0 || batch * descriptors > QUEUE_SIZE) {
            throw new IllegalArgumentException("batch " + batch + " x " + descriptors + " descriptors does not fit");
        }
        rounds = CHAINS_PER_INVOCATION / batch;
        ram = GuestRam.builder().anonymous(new GuestAddress(RAM_START), RAM_SIZE).build();
        long features = VirtioFeatures.bit(VirtioFeatures.VERSION_1);
        GuestAddress rings = new GuestAddress(RAM_START);
        if (format == QueueFormat.PACKED) {
            features |= VirtioFeatures.bit(VirtioFeatures.RING_PACKED);
            driver = new PackedQueueDriver(ram, rings, QUEUE_SIZE, features, 0);
        } else {
            driver = new SplitQueueDriver(ram, rings, QUEUE_SIZE, features, 0);
        }
        QueueState state = new QueueState(0, format, QUEUE_SIZE, driver.descArea(), driver.driverArea(),
                driver.deviceArea(), true, 0, true, 0, true, true);
        UsedBufferNotifier notifier = q -> { };
        QueueFailureHandler onFailure = (q, error, detail) -> {
            failure = error;
            throw new IllegalStateException("queue " + q + " failed: " + error + ": " + detail);
        };
        queue = VirtQueues.open(state, QUEUE_SIZE, ram, features, null, notifier, onFailure);

        addrs = new long[batch][descriptors];
        lens = new int[descriptors];
        writable = new boolean[descriptors];
        for (int j = 0; j < descriptors; j++) {
            lens[j] = BUFFER_SIZE;
            // 1 descriptor: one writable buffer; 3: one readable, then two writable.
            writable[j] = descriptors == 1 || j > 0;
        }
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < descriptors; j++) {
                addrs[b][j] = RAM_START + BUFFERS_OFFSET + (long) BUFFER_SIZE * (b * descriptors + j);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        boolean broken = queue.isBroken();
        int inFlight = queue.inFlight();
        ram.close();
        if (broken || failure != null || inFlight != 0) {
            throw new IllegalStateException("queue ended broken=" + broken + " error=" + failure + " inFlight=" + inFlight);
        }
    }

    /** @return a value derived from the reaped ids, so nothing is dead code */
    @Benchmark
    @OperationsPerInvocation(CHAINS_PER_INVOCATION)
    public int chains() {
        final QueueDriver d = driver;
        final VirtQueue q = queue;
        final int n = batch;
        final int descs = descriptors;
        int sum = 0;
        for (int r = 0; r < rounds; r++) {
            for (int b = 0; b < n; b++) {
                if (d.add(addrs[b], lens, writable, descs, false) < 0) {
                    throw new IllegalStateException("ring full");
                }
            }
            for (int b = 0; b < n; b++) {
                DescriptorChain c = q.pop();
                if (c == null) {
                    throw new IllegalStateException("no chain available: " + q.error());
                }
                q.add(c, (int) c.writableBytes());
            }
            q.flush();
            for (int b = 0; b < n; b++) {
                if (!d.pollUsed()) {
                    throw new IllegalStateException("used buffer missing");
                }
                sum += d.usedId() + d.usedLength();
            }
        }
        return sum;
    }
}
