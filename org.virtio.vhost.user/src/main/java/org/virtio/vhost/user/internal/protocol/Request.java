package org.virtio.vhost.user.internal.protocol;

/**
 * Frontend-to-backend request codes of the vhost-user protocol (QEMU docs/interop/vhost-user.rst,
 * "Front-end message types"). Only the codes this backend knows are listed; any other is a protocol
 * error.
 */
public enum Request {
    GET_FEATURES(1),
    SET_FEATURES(2),
    SET_OWNER(3),
    RESET_OWNER(4),
    SET_MEM_TABLE(5),
    SET_LOG_BASE(6),
    SET_LOG_FD(7),
    SET_VRING_NUM(8),
    SET_VRING_ADDR(9),
    SET_VRING_BASE(10),
    GET_VRING_BASE(11),
    SET_VRING_KICK(12),
    SET_VRING_CALL(13),
    SET_VRING_ERR(14),
    GET_PROTOCOL_FEATURES(15),
    SET_PROTOCOL_FEATURES(16),
    GET_QUEUE_NUM(17),
    SET_VRING_ENABLE(18),
    SEND_RARP(19),
    NET_SET_MTU(20),
    SET_BACKEND_REQ_FD(21),
    IOTLB_MSG(22),
    SET_VRING_ENDIAN(23),
    GET_CONFIG(24),
    SET_CONFIG(25),
    GET_INFLIGHT_FD(31),
    SET_INFLIGHT_FD(32),
    RESET_DEVICE(34),
    VRING_KICK(35),
    GET_MAX_MEM_SLOTS(36),
    ADD_MEM_REG(37),
    REM_MEM_REG(38),
    SET_STATUS(39),
    GET_STATUS(40);

    private static final Request[] BY_CODE = new Request[41];

    static {
        for (Request r : values()) {
            BY_CODE[r.code] = r;
        }
    }

    private final int code;

    Request(int code) {
        this.code = code;
    }

    /** @return the wire code */
    public int code() {
        return code;
    }

    /** @param code a wire code  @return the request, or null when unknown */
    public static Request of(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
