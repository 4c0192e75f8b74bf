package org.virtio.transport.mmio.api;

/**
 * Register offsets and constants of the virtio-mmio version 2 window (VirtIO 1.3 §4.2.2, Linux
 * {@code include/uapi/linux/virtio_mmio.h}). R: read-only, W: write-only, RW: both.
 */
public final class MmioRegisters {
    /** R: 0x74726976, "virt". */
    public static final int MAGIC_VALUE = 0x000;
    /** R: 2 (version 1 is the legacy interface). */
    public static final int VERSION = 0x004;
    /** R: the device type (§5); 0 would mean "no device". */
    public static final int DEVICE_ID = 0x008;
    /** R: the subsystem vendor id. */
    public static final int VENDOR_ID = 0x00c;
    /** R: 32 feature bits, the window DeviceFeaturesSel selects. */
    public static final int DEVICE_FEATURES = 0x010;
    /** W: selects DeviceFeatures bits 32*sel to 32*sel+31. */
    public static final int DEVICE_FEATURES_SEL = 0x014;
    /** W: 32 of the driver's feature bits, the window DriverFeaturesSel selects. */
    public static final int DRIVER_FEATURES = 0x020;
    /** W: selects the DriverFeatures window. */
    public static final int DRIVER_FEATURES_SEL = 0x024;
    /** W: selects the queue the Queue* registers address. */
    public static final int QUEUE_SEL = 0x030;
    /** R: the selected queue's maximum size, 0 when the queue does not exist. */
    public static final int QUEUE_NUM_MAX = 0x034;
    /** W: the selected queue's size. */
    public static final int QUEUE_NUM = 0x038;
    /** RW: the selected queue is enabled (1) or not (0). */
    public static final int QUEUE_READY = 0x044;
    /** W: the driver notifies a queue; the value is the queue index. */
    public static final int QUEUE_NOTIFY = 0x050;
    /** R: pending events, {@link #INT_USED_BUFFER} and {@link #INT_CONFIG_CHANGE}. */
    public static final int INTERRUPT_STATUS = 0x060;
    /** W: clears the events whose bits are written. */
    public static final int INTERRUPT_ACK = 0x064;
    /** RW: the device status byte (§2.1); writing 0 resets the device. */
    public static final int STATUS = 0x070;
    /** W: descriptor area of the selected queue, low 32 bits. */
    public static final int QUEUE_DESC_LOW = 0x080;
    /** W: descriptor area, high 32 bits. */
    public static final int QUEUE_DESC_HIGH = 0x084;
    /** W: driver area (available ring), low 32 bits. */
    public static final int QUEUE_DRIVER_LOW = 0x090;
    /** W: driver area, high 32 bits. */
    public static final int QUEUE_DRIVER_HIGH = 0x094;
    /** W: device area (used ring), low 32 bits. */
    public static final int QUEUE_DEVICE_LOW = 0x0a0;
    /** W: device area, high 32 bits. */
    public static final int QUEUE_DEVICE_HIGH = 0x0a4;
    /** W: selects a shared memory region. */
    public static final int SHM_SEL = 0x0ac;
    /** R: the selected region's length, low 32 bits (all ones: no such region). */
    public static final int SHM_LEN_LOW = 0x0b0;
    /** R: length, high 32 bits. */
    public static final int SHM_LEN_HIGH = 0x0b4;
    /** R: the selected region's base, low 32 bits. */
    public static final int SHM_BASE_LOW = 0x0b8;
    /** R: base, high 32 bits. */
    public static final int SHM_BASE_HIGH = 0x0bc;
    /** RW: per-queue reset, only with VIRTIO_F_RING_RESET. */
    public static final int QUEUE_RESET = 0x0c0;
    /** R: the configuration generation (§2.5.1). */
    public static final int CONFIG_GENERATION = 0x0fc;
    /** First byte of the device-specific configuration space. */
    public static final int CONFIG = 0x100;

    /** The value of MagicValue: "virt" in little-endian. */
    public static final int MAGIC = 0x74726976;
    /** The value of Version: the modern (non-legacy) interface. */
    public static final int MMIO_VERSION = 2;
    /** InterruptStatus bit: the device used a buffer in at least one queue. */
    public static final int INT_USED_BUFFER = 1;
    /** InterruptStatus bit: the configuration changed (or the device needs a reset). */
    public static final int INT_CONFIG_CHANGE = 2;
    /** The window size this transport uses: the registers plus 256 bytes of configuration space. */
    public static final int WINDOW_SIZE = 0x200;

    private MmioRegisters() {
    }
}
