package org.virtio.core.device;

/**
 * Reserved (transport- and ring-level) feature bits, VirtIO 1.3 §6. Device-specific bits are 0–23 and
 * 50–127; these constants are bit numbers, {@link #bit} turns one into a mask.
 */
public final class VirtioFeatures {
    /** Indirect descriptors (§2.7.5.3 / §2.8.7). */
    public static final int INDIRECT_DESC = 28;
    /** used_event / avail_event notification suppression (§2.7.7, §2.7.10). */
    public static final int EVENT_IDX = 29;
    /** Compliance with VirtIO 1.x; required for a modern device. */
    public static final int VERSION_1 = 32;
    /** Device addresses go through the platform IOMMU. */
    public static final int ACCESS_PLATFORM = 33;
    /** Packed virtqueue layout (§2.8). */
    public static final int RING_PACKED = 34;
    /** Buffers are used in the order they were made available. */
    public static final int IN_ORDER = 35;
    /** Memory accesses need platform ordering (real hardware only). */
    public static final int ORDER_PLATFORM = 36;
    /** Single-root I/O virtualization. */
    public static final int SR_IOV = 37;
    /** Driver notifications carry extra data. */
    public static final int NOTIFICATION_DATA = 38;
    /** Driver uses config data in notifications. */
    public static final int NOTIF_CONFIG_DATA = 39;
    /** Individual queue reset. */
    public static final int RING_RESET = 40;

    private VirtioFeatures() {
    }

    /** @param bit a feature bit number, 0–63  @return the mask with that bit set */
    public static long bit(int bit) {
        if (bit < 0 || bit > 63) {
            throw new IllegalArgumentException("feature bit out of range: " + bit);
        }
        return 1L << bit;
    }

    /** @param features a feature set  @param bit a bit number  @return whether the bit is in the set */
    public static boolean has(long features, int bit) {
        return (features & (1L << bit)) != 0;
    }
}
