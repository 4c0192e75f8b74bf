package org.virtio.core.internal.queue;

/**
 * The notification-suppression arithmetic both ring sides share: the device deciding whether to
 * interrupt, the driver deciding whether to notify. One copy, so the two sides cannot disagree.
 */
public final class EventIndex {
    private EventIndex() {
    }

    /**
     * VirtIO's vring_need_event (split rings, §2.7.7 / §2.7.10): did moving the index from old to new cross
     * the event index the other side asked for? All 16-bit arithmetic.
     *
     * @param event  the other side's event index (used_event or avail_event)
     * @param newIdx the index after publishing
     * @param oldIdx the index at the last notification decision
     * @return whether to notify
     */
    public static boolean needEvent(int event, int newIdx, int oldIdx) {
        return ((newIdx - event - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
    }

    /**
     * The packed-ring form (§2.8.10, event suppression with VIRTQ_EVENT_F_DESC): the other side names a
     * ring position and wrap counter; an event in the other wrap lies one ring size back.
     *
     * @param offWrap   the event structure's off_wrap field (offset | wrap &lt;&lt; 15)
     * @param wrap      the publishing side's current wrap counter
     * @param size      the ring size
     * @param newPos    the publishing side's ring position after publishing
     * @param published ring slots published since the last notification decision
     * @return whether to notify
     */
    public static boolean packedNeedEvent(int offWrap, boolean wrap, int size, int newPos, int published) {
        int event = offWrap & 0x7fff;
        if (((offWrap & 0x8000) != 0) != wrap) {
            event -= size;
        }
        return ((newPos - event - 1) & 0xffff) < published;
    }
}
