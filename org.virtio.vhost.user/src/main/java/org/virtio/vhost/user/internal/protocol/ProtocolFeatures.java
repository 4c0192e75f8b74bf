package org.virtio.vhost.user.internal.protocol;

/** Bits of the vhost-user protocol feature mask (GET/SET_PROTOCOL_FEATURES) and of the virtio feature word that belong to vhost. */
public final class ProtocolFeatures {
    /** Multiple queues: GET_QUEUE_NUM. */
    public static final int MQ = 0;
    /** SET_LOG_BASE carries a shared-memory log descriptor (and gets a reply). */
    public static final int LOG_SHMFD = 1;
    /** NEED_REPLY is honoured with a u64 status reply. */
    public static final int REPLY_ACK = 3;
    /** GET_CONFIG / SET_CONFIG. */
    public static final int CONFIG = 9;
    /** GET_INFLIGHT_FD / SET_INFLIGHT_FD: requests in flight survive a backend restart. */
    public static final int INFLIGHT_SHMFD = 12;
    /** RESET_DEVICE. */
    public static final int RESET_DEVICE = 13;
    /** SET_STATUS / GET_STATUS. */
    public static final int STATUS = 16;

    /** Virtio feature bit 30: the frontend may use GET/SET_PROTOCOL_FEATURES. */
    public static final int F_PROTOCOL_FEATURES = 30;
    /** Virtio feature bit 26: dirty page logging (live migration). */
    public static final int F_LOG_ALL = 26;

    /** What this backend offers. */
    public static final long OFFERED = bit(MQ) | bit(LOG_SHMFD) | bit(REPLY_ACK) | bit(CONFIG) | bit(INFLIGHT_SHMFD)
            | bit(RESET_DEVICE) | bit(STATUS);

    private ProtocolFeatures() {
    }

    /** @param b bit number  @return its mask */
    public static long bit(int b) {
        return 1L << b;
    }
}
