package org.virtio.device.blk;

/**
 * The virtio-blk constants of VirtIO 1.3 §5.2 in one place: feature bits (§5.2.3), request types and
 * status values (§5.2.6), and the byte offsets of {@code struct virtio_blk_config} (§5.2.4, checked
 * against the spec's {@code device-types/blk/description.tex} and Linux {@code uapi/linux/virtio_blk.h}).
 */
public final class BlkSpec {
    /** Bytes per sector: capacity and request sectors are always in 512-byte units (§5.2.4). */
    public static final int SECTOR_SIZE = 512;
    /** log2 of {@link #SECTOR_SIZE}. */
    public static final int SECTOR_SHIFT = 9;

    // Feature bits (§5.2.3).
    /** Maximum number of segments in a request is in {@code seg_max}. */
    public static final int F_SEG_MAX = 2;
    /** Device is read-only. */
    public static final int F_RO = 5;
    /** Block size of disk is in {@code blk_size}. */
    public static final int F_BLK_SIZE = 6;
    /** Cache flush command support. */
    public static final int F_FLUSH = 9;
    /** Device can support discard command. */
    public static final int F_DISCARD = 13;
    /** Device can support write zeroes command. */
    public static final int F_WRITE_ZEROES = 14;

    // Request types (§5.2.6).
    /** Read. */
    public static final int T_IN = 0;
    /** Write. */
    public static final int T_OUT = 1;
    /** Flush the volatile write cache. */
    public static final int T_FLUSH = 4;
    /** Read the device ID string (serial). */
    public static final int T_GET_ID = 8;
    /** Discard sectors. */
    public static final int T_DISCARD = 11;
    /** Write zeroes to sectors. */
    public static final int T_WRITE_ZEROES = 13;

    // Status values (§5.2.6).
    /** Success. */
    public static final byte S_OK = 0;
    /** Device or driver error. */
    public static final byte S_IOERR = 1;
    /** Request unsupported by the device. */
    public static final byte S_UNSUPP = 2;

    /** Size of the request header: le32 type, le32 reserved, le64 sector. */
    public static final int HEADER_SIZE = 16;
    /** Size of one {@code struct virtio_blk_discard_write_zeroes}: le64 sector, le32 num_sectors, le32 flags. */
    public static final int SEGMENT_SIZE = 16;
    /** The {@code unmap} flag of a discard / write zeroes segment (bit 0). */
    public static final int FLAG_UNMAP = 1;
    /** Length of the device ID string returned by GET_ID (NUL-padded, no terminator at 20). */
    public static final int ID_BYTES = 20;

    // struct virtio_blk_config offsets (§5.2.4).
    /** le64 capacity, in 512-byte sectors. */
    public static final int CFG_CAPACITY = 0;
    /** le32 size_max. */
    public static final int CFG_SIZE_MAX = 8;
    /** le32 seg_max. */
    public static final int CFG_SEG_MAX = 12;
    /** struct geometry { le16 cylinders; u8 heads; u8 sectors; }. */
    public static final int CFG_GEOMETRY = 16;
    /** le32 blk_size. */
    public static final int CFG_BLK_SIZE = 20;
    /** struct topology { u8 physical_block_exp; u8 alignment_offset; le16 min_io_size; le32 opt_io_size; }. */
    public static final int CFG_TOPOLOGY = 24;
    /** u8 writeback. */
    public static final int CFG_WRITEBACK = 32;
    /** le16 num_queues (after u8 unused0 at 33). */
    public static final int CFG_NUM_QUEUES = 34;
    /** le32 max_discard_sectors. */
    public static final int CFG_MAX_DISCARD_SECTORS = 36;
    /** le32 max_discard_seg. */
    public static final int CFG_MAX_DISCARD_SEG = 40;
    /** le32 discard_sector_alignment. */
    public static final int CFG_DISCARD_SECTOR_ALIGNMENT = 44;
    /** le32 max_write_zeroes_sectors. */
    public static final int CFG_MAX_WRITE_ZEROES_SECTORS = 48;
    /** le32 max_write_zeroes_seg. */
    public static final int CFG_MAX_WRITE_ZEROES_SEG = 52;
    /** u8 write_zeroes_may_unmap (then u8 unused1[3]). */
    public static final int CFG_WRITE_ZEROES_MAY_UNMAP = 56;
    /**
     * Config space size exposed: up to and including {@code unused1[3]}. The secure erase (60) and zoned
     * (72) fields follow only for features this device does not offer.
     */
    public static final int CONFIG_SIZE = 60;

    private BlkSpec() {
    }
}
