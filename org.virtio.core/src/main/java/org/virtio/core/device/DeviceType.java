package org.virtio.core.device;

/** Device IDs (VirtIO 1.3 §5) of the device types this platform implements or plans. */
public final class DeviceType {
    /** virtio-net. */
    public static final int NET = 1;
    /** virtio-blk. */
    public static final int BLOCK = 2;
    /** virtio-console. */
    public static final int CONSOLE = 3;
    /** virtio-rng (entropy source). */
    public static final int ENTROPY = 4;
    /** Traditional memory balloon. */
    public static final int BALLOON = 5;
    /** SCSI host. */
    public static final int SCSI = 8;
    /** GPU. */
    public static final int GPU = 16;
    /** Input. */
    public static final int INPUT = 18;
    /** Socket (vsock). */
    public static final int VSOCK = 19;
    /** IOMMU. */
    public static final int IOMMU = 23;
    /** Sound. */
    public static final int SOUND = 25;
    /** File system (virtio-fs). */
    public static final int FS = 26;
    /** CAN. */
    public static final int CAN = 36;

    private DeviceType() {
    }
}
