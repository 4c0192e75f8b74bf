package org.virtio.vhost.user.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One queue's area of the {@link InflightRegion}: which heads of a split ring are popped but not yet on
 * the used ring, in pop order (counter), plus the batch being published so a crash between writing the
 * used index and clearing the flags is repaired on restart. The area is written by the frontend-held
 * memfd's previous owner, so {@link #recover} treats it as hostile: out-of-range heads and counts are
 * dropped with a reason.
 *
 * <p>Order of stores, as libvhost-user: pop sets counter then inflight=1; completion records the batch
 * (next links, last_batch_head), the queue publishes the used index, then inflight=0 for the batch and
 * used_idx = the published index.
 */
final class InflightQueue {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long VERSION = 8;
    private static final long DESC_NUM = 10;
    private static final long LAST_BATCH_HEAD = 12;
    private static final long USED_IDX = 14;
    private static final long DESC = 16;
    private static final int REGION_VERSION = 1;

    /**
     * What a restarted backend must do for one queue.
     *
     * @param heads          the heads to resubmit, oldest first
     * @param nextCounter    the counter the next pop records
     * @param note           what was repaired or ignored, or null
     * @param publishedBatch used entries the previous owner published but had not recorded as done: it may have
     *                       died before signalling the driver, so the new owner must signal (else the driver
     *                       waits for ever on completions that are already on the used ring)
     */
    record Recovery(int[] heads, long nextCounter, String note, int publishedBatch) {
    }

    private final MemorySegment area;
    private final int capacity;

    InflightQueue(MemorySegment area, int capacity) {
        this.area = area;
        this.capacity = capacity;
    }

    private long desc(int head) {
        return DESC + 16L * head;
    }

    /**
     * Prepares the area for a ring and returns the heads an earlier backend left in flight, oldest first.
     *
     * @param ringSize the ring's size (at most the area's capacity)
     * @param usedIdx  the used ring's idx as it is in guest memory now
     * @return the heads to resubmit and the next counter value
     */
    Recovery recover(int ringSize, int usedIdx) {
        int version = area.get(U16, VERSION) & 0xffff;
        int descNum = area.get(U16, DESC_NUM) & 0xffff;
        if (version == 0 || descNum != ringSize) {
            String note = version == 0 ? null
                    : "inflight area was for a ring of " + descNum + " descriptors, the ring has " + ringSize
                            + ": starting afresh";
            area.fill((byte) 0);
            area.set(U16, DESC_NUM, (short) ringSize);
            area.set(U16, USED_IDX, (short) usedIdx);
            VarHandle.storeStoreFence();
            area.set(U16, VERSION, (short) REGION_VERSION);
            return new Recovery(new int[0], 1, note, 0);
        }
        StringBuilder note = new StringBuilder();
        int recorded = area.get(U16, USED_IDX) & 0xffff;
        int published = 0;
        if (recorded != usedIdx) {
            // The previous owner published a batch but died before clearing its flags.
            published = (usedIdx - recorded) & 0xffff;
            int head = area.get(U16, LAST_BATCH_HEAD) & 0xffff;
            for (int i = 0; i < published && i < ringSize && head < ringSize; i++) {
                area.set(ValueLayout.JAVA_BYTE, desc(head), (byte) 0);
                head = area.get(U16, desc(head) + 6) & 0xffff;
            }
            area.set(U16, USED_IDX, (short) usedIdx);
            note.append("cleared a batch of ").append(published).append(" completed before the restart; ");
        }
        List<long[]> inflight = new ArrayList<>();
        for (int h = 0; h < ringSize; h++) {
            byte flag = area.get(ValueLayout.JAVA_BYTE, desc(h));
            if (flag == 1) {
                inflight.add(new long[] {h, area.get(U64, desc(h) + 8)});
            } else if (flag != 0) {
                area.set(ValueLayout.JAVA_BYTE, desc(h), (byte) 0);
                note.append("head ").append(h).append(" had inflight flag ").append(flag).append(", ignored; ");
            }
        }
        inflight.sort(Comparator.comparingLong((long[] e) -> e[1]));
        int[] heads = new int[inflight.size()];
        long next = 1;
        for (int i = 0; i < heads.length; i++) {
            heads[i] = (int) inflight.get(i)[0];
            next = Math.max(next, inflight.get(i)[1] + 1);
        }
        return new Recovery(heads, next, note.isEmpty() ? null : note.toString(), published);
    }

    /** @param head a head just popped  @param counter its pop order */
    void popped(int head, long counter) {
        area.set(U64, desc(head) + 8, counter);
        VarHandle.storeStoreFence();
        area.set(ValueLayout.JAVA_BYTE, desc(head), (byte) 1);
    }

    /** Records the heads about to be published as one batch, before the used index moves. */
    void beforePublish(int[] heads, int count) {
        for (int i = 0; i + 1 < count; i++) {
            area.set(U16, desc(heads[i]) + 6, (short) heads[i + 1]);
        }
        area.set(U16, LAST_BATCH_HEAD, (short) heads[0]);
        VarHandle.storeStoreFence();
    }

    /** Clears the batch once the used index is published. @param usedIdx the published used index */
    void afterPublish(int[] heads, int count, int usedIdx) {
        VarHandle.storeStoreFence();
        for (int i = 0; i < count; i++) {
            area.set(ValueLayout.JAVA_BYTE, desc(heads[i]), (byte) 0);
        }
        VarHandle.storeStoreFence();
        area.set(U16, USED_IDX, (short) usedIdx);
    }

    /** @param head a head  @return whether it is recorded in flight (tests) */
    boolean isInflight(int head) {
        return area.get(ValueLayout.JAVA_BYTE, desc(head)) == 1;
    }

    /** @return the area's descriptor capacity */
    int capacity() {
        return capacity;
    }
}
