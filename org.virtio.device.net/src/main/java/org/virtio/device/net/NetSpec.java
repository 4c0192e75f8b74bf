package org.virtio.device.net;

/**
 * The virtio-net constants of VirtIO 1.3 §5.1 in one place: feature bits (§5.1.3), {@code struct
 * virtio_net_config} offsets and status bits (§5.1.4), and {@code struct virtio_net_hdr} (§5.1.6), checked
 * by a test against Linux {@code uapi/linux/virtio_net.h}.
 */
final class NetSpec {
    // Feature bits (§5.1.3).
    /** Device maximum MTU reporting is supported ({@code mtu} field). */
    static final int F_MTU = 3;
    /** Device has given MAC address ({@code mac} field). */
    static final int F_MAC = 5;
    /** Driver can merge receive buffers ({@code num_buffers} counts them). */
    static final int F_MRG_RXBUF = 15;
    /** Configuration status field is available. */
    static final int F_STATUS = 16;

    // struct virtio_net_config (§5.1.4).
    /** u8 mac[6]. */
    static final int CFG_MAC = 0;
    /** le16 status. */
    static final int CFG_STATUS = 6;
    /** le16 max_virtqueue_pairs (meaningful with VIRTIO_NET_F_MQ; reported as 1). */
    static final int CFG_MAX_VIRTQUEUE_PAIRS = 8;
    /** le16 mtu. */
    static final int CFG_MTU = 10;
    /** Bytes exposed: up to and including {@code mtu}; speed, duplex and RSS fields need features not offered. */
    static final int CONFIG_SIZE = 12;
    /** status bit: link is up. */
    static final int S_LINK_UP = 1;

    // struct virtio_net_hdr (§5.1.6), the VERSION_1 layout including num_buffers.
    /** Size of the header on every buffer with VIRTIO_F_VERSION_1. */
    static final int HDR_SIZE = 12;
    /** u8 flags. */
    static final int HDR_FLAGS = 0;
    /** u8 gso_type. */
    static final int HDR_GSO_TYPE = 1;
    /** le16 num_buffers. */
    static final int HDR_NUM_BUFFERS = 10;
    /** gso_type: not a GSO frame. */
    static final int GSO_NONE = 0;

    /** Ethernet header: destination, source, ethertype. */
    static final int ETH_HLEN = 14;
    /** Largest Ethernet frame the device carries, without the virtio header (the brief's bound, like a 64 KiB IP packet). */
    static final int MAX_FRAME = 65535;
    /** Allowance beyond the MTU for the Ethernet header and one VLAN tag. */
    static final int MTU_OVERHEAD = ETH_HLEN + 4;
    /** Smallest MTU a driver must accept (§5.1.4.1: at least 68, the IPv4 minimum). */
    static final int MIN_MTU = 68;

    private NetSpec() {
    }
}
