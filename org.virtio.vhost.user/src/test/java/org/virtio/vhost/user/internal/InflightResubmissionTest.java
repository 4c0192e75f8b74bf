package org.virtio.vhost.user.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;
import org.virtio.vhost.user.api.VhostUserBackend;
import org.virtio.vhost.user.api.VhostUserBackends;
import org.virtio.vhost.user.internal.protocol.ProtocolFeatures;
import org.virtio.vhost.user.internal.protocol.Request;
import org.virtio.vhost.user.internal.sys.Fds;
import org.virtio.vhost.user.internal.sys.SharedMapping;

/**
 * INFLIGHT_SHMFD: a backend that dies with requests popped but unfinished is replaced by the next one,
 * which finishes exactly those requests, exactly once, before new ones; requests finished before the
 * death (out of order) are not redone.
 */
@Timeout(60)
class InflightResubmissionTest {
    static final int QUEUE_SIZE = 16;

    @TempDir
    Path dir;
    VhostUserBackend backend;

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.close();
        }
    }

    /**
     * A one-queue device that reads a one-byte tag from each request: when it holds, tag 'H' is held
     * (popped, never completed); everything else completes at once. Records every tag it was handed.
     */
    static final class TagDevice implements VirtioDevice {
        final List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        final List<DescriptorChain> held = new ArrayList<>();
        final CountDownLatch popped;
        final boolean holds;
        private DeviceContext ctx;

        TagDevice(int expectedPops, boolean holds) {
            this.popped = new CountDownLatch(expectedPops);
            this.holds = holds;
        }

        @Override
        public int deviceType() {
            return 0x7f;
        }

        @Override
        public long deviceFeatures() {
            return 0;
        }

        @Override
        public int queueCount() {
            return 1;
        }

        @Override
        public int maxQueueSize(int queue) {
            return QUEUE_SIZE;
        }

        @Override
        public int configSize() {
            return 0;
        }

        @Override
        public void readConfig(int offset, byte[] dst) {
        }

        @Override
        public void activate(DeviceContext context) {
            ctx = context;
        }

        @Override
        public void queueNotified(int queue) {
            VirtQueue q = ctx.queue(queue);
            if (q == null) {
                return;
            }
            do {
                q.disableNotifications();
                DescriptorChain c;
                while ((c = q.pop()) != null) {
                    MemorySegment tag = MemorySegment.ofArray(new byte[1]);
                    c.read(0, tag, 0, 1);
                    int t = tag.get(ValueLayout.JAVA_BYTE, 0);
                    seen.add(t);
                    popped.countDown();
                    if (holds && t == 'H') {
                        held.add(c);
                    } else {
                        q.add(c, 0);
                    }
                }
                q.flush();
            } while (q.enableNotifications());
        }

        @Override
        public void reset() {
            ctx = null;
            held.clear();
        }
    }

    @Test
    void requestsLeftInFlightByADeadBackendAreFinishedOnceByTheNext() throws Exception {
        TagDevice first = new TagDevice(4, true);
        TagDevice second = new TagDevice(3, false);
        AtomicInteger made = new AtomicInteger();
        backend = VhostUserBackends.start(dir.resolve("tag.sock"), () -> made.getAndIncrement() == 0 ? first : second, "tag");
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            long acked = f.negotiate(BackendEndToEndTest.RING, ProtocolFeatures.OFFERED);
            byte[] ask = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(0)
                    .putShort((short) 1).putShort((short) QUEUE_SIZE).array();
            TestFrontend.Reply inflight = f.call(Request.GET_INFLIGHT_FD, ask);
            assertEquals(1, inflight.fds().size(), "the region comes with its memfd");
            int regionFd = inflight.fds().get(0);
            long mmapSize = inflight.payload().getLong(0);
            assertEquals(InflightRegion.queueStride(QUEUE_SIZE), mmapSize, "libvhost-user's size for one queue");
            byte[] set = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(mmapSize).putLong(0)
                    .putShort((short) 1).putShort((short) QUEUE_SIZE).array();
            f.send(Request.SET_INFLIGHT_FD, set, regionFd);
            try (SharedMapping region = SharedMapping.map(regionFd, 0, mmapSize)) {
                TestFrontend.Ring ring = f.startRing(0, QUEUE_SIZE, acked, 0);
                int[] heads = new int[4];
                char[] tags = {'C', 'H', 'C', 'H'};
                for (int i = 0; i < 4; i++) {
                    long buf = Devices.DATA + 64L * i;
                    f.write(buf, new byte[] {(byte) tags[i], (byte) i});
                    heads[i] = ring.driver().add(new long[] {buf}, new int[] {2}, new boolean[] {false}, 1, false);
                }
                ring.kick().signal();
                assertTrue(first.popped.await(10, TimeUnit.SECONDS), "first backend popped all four");
                List<Integer> done = new ArrayList<>();
                while (done.size() < 2) {
                    assertTrue(TestFrontend.awaitUsed(ring));
                    done.add(ring.driver().usedId());
                }
                assertEquals(List.of(heads[0], heads[2]), done, "completed out of order: 1 and 3");
                // The shared region as libvhost-user lays it out: version 1, desc_num, used_idx 2, heads 1 and 3 in flight.
                MemorySegment q = region.segment();
                // The backend records used_idx after publishing the used ring (as libvhost-user does; a frontend
                // reads the region only once the backend is gone), so the driver can see the completions first.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (q.get(ValueLayout.JAVA_SHORT_UNALIGNED, 14) != 2 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                java.lang.invoke.VarHandle.acquireFence(); // the flags were written before used_idx
                assertEquals(1, q.get(ValueLayout.JAVA_SHORT_UNALIGNED, 8));
                assertEquals(QUEUE_SIZE, q.get(ValueLayout.JAVA_SHORT_UNALIGNED, 10));
                assertEquals(2, q.get(ValueLayout.JAVA_SHORT_UNALIGNED, 14));
                for (int i = 0; i < 4; i++) {
                    assertEquals(tags[i] == 'H' ? 1 : 0, q.get(ValueLayout.JAVA_BYTE, 16 + 16L * heads[i]),
                            "inflight flag of request " + i);
                }

                // The backend's session dies (the frontend sees its socket go; QEMU reconnects).
                f.reconnect(backend.socketPath());
                f.negotiate(BackendEndToEndTest.RING, ProtocolFeatures.OFFERED);
                f.send(Request.SET_INFLIGHT_FD, set, regionFd);
                // After a lost backend QEMU restarts the ring at the used index.
                TestFrontend.Ring again = f.resumeRing(0, ring.driver(), 2);
                List<Integer> resubmitted = new ArrayList<>();
                while (resubmitted.size() < 2) {
                    assertTrue(TestFrontend.awaitUsed(again), "resubmitted request completed");
                    resubmitted.add(again.driver().usedId());
                }
                assertEquals(List.of(heads[1], heads[3]), resubmitted, "held requests finished, oldest first");
                assertEquals(List.of((int) 'H', (int) 'H'), second.seen, "exactly the two unfinished requests");
                // A new request after them is popped from the ring, not confused with the resubmitted ones.
                long buf = Devices.DATA + 0x400;
                f.write(buf, new byte[] {'N', 9});
                int head = again.driver().add(new long[] {buf}, new int[] {2}, new boolean[] {false}, 1, false);
                again.kick().signal();
                assertTrue(TestFrontend.awaitUsed(again));
                assertEquals(head, again.driver().usedId());
                assertEquals(List.of((int) 'H', (int) 'H', (int) 'N'), second.seen, "each request once");
                assertEquals(0, q.get(ValueLayout.JAVA_BYTE, 16 + 16L * heads[1]), "cleared once used");
                assertEquals(5, q.get(ValueLayout.JAVA_SHORT_UNALIGNED, 14), "used_idx recorded");
                TestFrontend.Reply base = f.call(Request.GET_VRING_BASE, TestFrontend.state(0, 0));
                assertEquals(5, base.payload().getInt(4));
            } finally {
                Fds.close(regionFd);
            }
        }
    }

    /**
     * A backend killed after publishing a batch but before recording it (seen in the level-C restart test: the
     * guest then waited for ever) may not have signalled the driver: the next one must.
     */
    @Test
    void aBatchPublishedButNotRecordedIsSignalledByTheNextBackend() throws Exception {
        TagDevice first = new TagDevice(2, false);
        TagDevice second = new TagDevice(0, false);
        AtomicInteger made = new AtomicInteger();
        backend = VhostUserBackends.start(dir.resolve("tag.sock"), () -> made.getAndIncrement() == 0 ? first : second, "tag");
        try (TestFrontend f = TestFrontend.connect(backend.socketPath())) {
            long acked = f.negotiate(BackendEndToEndTest.RING, ProtocolFeatures.OFFERED);
            byte[] ask = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(0)
                    .putShort((short) 1).putShort((short) QUEUE_SIZE).array();
            int regionFd = f.call(Request.GET_INFLIGHT_FD, ask).fds().get(0);
            long mmapSize = InflightRegion.queueStride(QUEUE_SIZE);
            byte[] set = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(mmapSize).putLong(0)
                    .putShort((short) 1).putShort((short) QUEUE_SIZE).array();
            f.send(Request.SET_INFLIGHT_FD, set, regionFd);
            try (SharedMapping region = SharedMapping.map(regionFd, 0, mmapSize)) {
                TestFrontend.Ring ring = f.startRing(0, QUEUE_SIZE, acked, 0);
                int[] heads = new int[2];
                for (int i = 0; i < 2; i++) {
                    long buf = Devices.DATA + 64L * i;
                    f.write(buf, new byte[] {'C', (byte) i});
                    heads[i] = ring.driver().add(new long[] {buf}, new int[] {2}, new boolean[] {false}, 1, false);
                }
                ring.kick().signal();
                for (int i = 0; i < 2; i++) {
                    assertTrue(TestFrontend.awaitUsed(ring));
                }
                MemorySegment q = region.segment();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (q.get(ValueLayout.JAVA_SHORT_UNALIGNED, 14) != 2 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertEquals(2, q.get(ValueLayout.JAVA_SHORT_UNALIGNED, 14));
                // What a backend killed between publishing head 1's completion and recording it leaves behind:
                // the head still flagged, used_idx one behind, the batch starting at that head.
                q.set(ValueLayout.JAVA_SHORT_UNALIGNED, 12, (short) heads[1]);
                q.set(ValueLayout.JAVA_SHORT_UNALIGNED, 14, (short) 1);
                q.set(ValueLayout.JAVA_BYTE, 16 + 16L * heads[1], (byte) 1);

                f.reconnect(backend.socketPath());
                f.negotiate(BackendEndToEndTest.RING, ProtocolFeatures.OFFERED);
                f.send(Request.SET_INFLIGHT_FD, set, regionFd);
                TestFrontend.Ring again = f.resumeRing(0, ring.driver(), 2);
                long signalled = 0;
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while ((signalled = again.call().drain()) == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertTrue(signalled > 0, "the new backend signals the used ring the dead one published");
                assertEquals(List.of(), second.seen, "the published request is not resubmitted");
                assertEquals(0, q.get(ValueLayout.JAVA_BYTE, 16 + 16L * heads[1]), "its flag cleared");
                assertEquals(2, q.get(ValueLayout.JAVA_SHORT_UNALIGNED, 14), "used_idx recorded");
            } finally {
                Fds.close(regionFd);
            }
        }
    }

    @Test
    void aBatchPublishedJustBeforeTheDeathIsNotResubmitted() throws Exception {
        int fd = SharedMapping.createMemfd("inflight-test", InflightRegion.queueStride(8));
        try (SharedMapping m = SharedMapping.map(fd, 0, InflightRegion.queueStride(8))) {
            InflightQueue q = new InflightQueue(m.segment(), 8);
            assertEquals(0, q.recover(8, 0).heads().length, "fresh region");
            q.popped(3, 1);
            q.popped(5, 2);
            q.popped(1, 3);
            // Heads 3 and 5 were published (used idx 0 -> 2) but the backend died before clearing them.
            q.beforePublish(new int[] {3, 5}, 2);
            InflightQueue.Recovery r = q.recover(8, 2);
            assertEquals(List.of(1), java.util.Arrays.stream(r.heads()).boxed().toList());
            assertEquals(4, r.nextCounter());
            assertTrue(r.note().contains("batch of 2"));
        } finally {
            Fds.close(fd);
        }
    }

    @Test
    void hostileInflightContentIsIgnoredNotTrusted() throws Exception {
        int fd = SharedMapping.createMemfd("inflight-test", InflightRegion.queueStride(8));
        try (SharedMapping m = SharedMapping.map(fd, 0, InflightRegion.queueStride(8))) {
            MemorySegment s = m.segment();
            s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 8, (short) 1);
            s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 10, (short) 4); // for a ring of 4, the ring has 8
            s.set(ValueLayout.JAVA_BYTE, 16, (byte) 1);
            InflightQueue q = new InflightQueue(s, 8);
            InflightQueue.Recovery r = q.recover(8, 0);
            assertEquals(0, r.heads().length, "a region for another ring size starts afresh");
            assertTrue(r.note().contains("4 descriptors"));
            s.set(ValueLayout.JAVA_BYTE, 16 + 16 * 2, (byte) 7); // not a flag value
            s.set(ValueLayout.JAVA_BYTE, 16 + 16 * 6, (byte) 1);
            r = q.recover(8, 0);
            assertEquals(List.of(6), java.util.Arrays.stream(r.heads()).boxed().toList());
            assertTrue(r.note().contains("flag 7"));
        } finally {
            Fds.close(fd);
        }
    }
}
