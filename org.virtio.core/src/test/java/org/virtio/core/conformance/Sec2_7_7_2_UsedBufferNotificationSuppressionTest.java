package org.virtio.core.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.virtio.core.conformance.ConformanceRig.FEAT_EVENT_IDX;
import static org.virtio.core.conformance.ConformanceRig.FEAT_VERSION_1;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.virtio.core.driver.SplitQueueDriver;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.QueueFormat;
import org.virtio.core.queue.QueueState;
import org.virtio.core.queue.VirtQueue;
import org.virtio.core.queue.VirtQueues;

/** VIRTIO 1.3 §2.7.7.2 Device Requirements: Used Buffer Notification Suppression (split ring). */
@DisplayName("2.7.7.2 Split virtqueue: used buffer notification suppression")
class Sec2_7_7_2_UsedBufferNotificationSuppressionTest {
    private static final int SIZE = 8;
    private ConformanceRig rig;
    private long buf;

    @BeforeEach
    void setUp() {
        rig = ConformanceRig.create(new ScriptedDevice(1, SIZE).mode(ScriptedDevice.Mode.MANUAL));
        buf = rig.alloc(64, 16);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    private SplitQueueDriver init(long features) {
        rig.initOrFail(features, SIZE);
        SplitQueueDriver d = rig.split(0);
        d.writeDescriptor(0, buf, 64, SplitQueueDriver.F_WRITE, 0);
        return d;
    }

    /** Publishes descriptor 0 n times; the device pops and adds each, then flushes once. */
    private int batch(SplitQueueDriver d, int n) {
        VirtQueue q = rig.vq(0);
        for (int i = 0; i < n; i++) {
            d.publishHead(0);
        }
        for (int i = 0; i < n; i++) {
            DescriptorChain c = q.pop();
            assertNotNull(c, () -> "pop failed: " + q.error());
            q.add(c, 1);
        }
        int before = rig.driver.usedInterrupts(0);
        q.flush();
        return rig.driver.usedInterrupts(0) - before;
    }

    @Test
    @DisplayName("2.7.7.2 DEV-2.7.7.2-1: without EVENT_IDX the used_event value is ignored")
    void sec2_7_7_2_1_ignoresUsedEventWithoutEventIdx() {
        SplitQueueDriver d = init(0);
        d.writeAvailFlags(0);
        for (int ev : new int[] {0x1234, 0, 1, 0xffff}) {
            d.writeUsedEvent(ev);
            assertEquals(1, batch(d, 1), "used_event " + ev);
        }
    }

    @Test
    @DisplayName("2.7.7.2 DEV-2.7.7.2-2: flags = 1 (VIRTQ_AVAIL_F_NO_INTERRUPT): no notification")
    void sec2_7_7_2_2_noNotificationWhenFlagsIsOne() {
        SplitQueueDriver d = init(0);
        d.writeAvailFlags(1);
        assertEquals(0, batch(d, 1));
        assertEquals(0, batch(d, 3));
        assertEquals(4, d.deviceUsedIdx(), "the used buffers are still published");
    }

    @Test
    @DisplayName("2.7.7.2 DEV-2.7.7.2-3: flags = 0: a notification after every used-ring update")
    void sec2_7_7_2_3_notificationWhenFlagsIsZero() {
        SplitQueueDriver d = init(0);
        d.writeAvailFlags(0);
        assertEquals(1, batch(d, 1));
        assertEquals(1, batch(d, 2));
        d.writeAvailFlags(1);
        assertEquals(0, batch(d, 1));
        d.writeAvailFlags(0);
        assertEquals(1, batch(d, 1));
    }

    @Test
    @DisplayName("2.7.7.2 DEV-2.7.7.2-4: with EVENT_IDX the lower bit of flags is ignored")
    void sec2_7_7_2_4_ignoresFlagsWithEventIdx() {
        SplitQueueDriver d = init(FEAT_EVENT_IDX);
        d.writeAvailFlags(1);
        d.writeUsedEvent(0);
        assertEquals(1, batch(d, 1), "used_event 0 asks for the first buffer despite flags = 1");
        d.writeAvailFlags(0);
        assertEquals(0, batch(d, 1), "used_event 0 already passed: flags = 0 does not ask for more");
    }

    @ParameterizedTest(name = "used_event = {0}")
    @ValueSource(ints = {0, 1, 3, 6})
    @DisplayName("2.7.7.2 DEV-2.7.7.2-5/-6: one by one, exactly the update that reaches used_event + 1 notifies")
    void sec2_7_7_2_5_notifiesExactlyAtUsedEvent(int usedEvent) {
        SplitQueueDriver d = init(FEAT_EVENT_IDX);
        d.writeUsedEvent(usedEvent);
        List<Integer> got = new ArrayList<>();
        List<Integer> want = new ArrayList<>();
        for (int k = 1; k <= 8; k++) {
            got.add(batch(d, 1));
            want.add(k - 1 == usedEvent ? 1 : 0);
        }
        assertEquals(want, got);
    }

    @Test
    @DisplayName("2.7.7.2 DEV-2.7.7.2-5/-6: batched updates notify when the batch crosses used_event")
    void sec2_7_7_2_5_batchedUpdates() {
        SplitQueueDriver d = init(FEAT_EVENT_IDX);
        d.writeUsedEvent(2);
        assertEquals(1, batch(d, 5), "0 -> 5 crosses used_event 2");
        d.writeUsedEvent(3);
        assertEquals(0, batch(d, 2), "5 -> 7: used_event 3 lies behind");
        d.writeUsedEvent(7);
        assertEquals(1, batch(d, 2), "7 -> 9 crosses used_event 7");
        d.writeUsedEvent(12);
        assertEquals(0, batch(d, 3), "9 -> 12 stops short of used_event 12");
        assertEquals(1, batch(d, 1), "12 -> 13 reaches it");
    }

    @Test
    @DisplayName("2.7.7.2 DEV-2.7.7.2-5 note: used_event 0 notifies after the first buffer and again after the 65536th")
    void sec2_7_7_2_5_usedEventWrapsAt65536() throws Exception {
        // A queue opened at free-running positions just below 2^16 (as a restored snapshot would be).
        long base = rig.alloc(SplitQueueDriver.footprint(SIZE, 0), 16);
        SplitQueueDriver d = new SplitQueueDriver(rig.ram, GuestAddress.of(base), SIZE, FEAT_VERSION_1 | FEAT_EVENT_IDX, 0);
        d.writeDescriptor(0, buf, 64, SplitQueueDriver.F_WRITE, 0);
        d.writeAvailIdx(0xfffe);
        d.writeUsedEvent(0);
        QueueState s = new QueueState(0, QueueFormat.SPLIT, SIZE, d.descArea(), d.driverArea(), d.deviceArea(), true,
                0xfffe, true, 0xfffe, true, true);
        AtomicInteger interrupts = new AtomicInteger();
        VirtQueue q = VirtQueues.open(s, SIZE, rig.ram, FEAT_VERSION_1 | FEAT_EVENT_IDX, null,
                i -> interrupts.incrementAndGet(), (i, e, m) -> { throw new AssertionError(e + " " + m); });
        List<Integer> got = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            d.publishHead(0);
            q.complete(q.pop(), 1);
            got.add(interrupts.getAndSet(0));
        }
        // used idx goes 0xffff, 0x0000, 0x0001, 0x0002: only the step 0 -> 1 reaches used_event 0.
        assertEquals(List.of(0, 0, 1, 0), got);
        assertEquals(2, d.deviceUsedIdx());
    }
}
