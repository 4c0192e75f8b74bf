package org.virtio.device.net;

/**
 * Every way a virtio-net chain or frame can fail, each with what the driver sees (VirtIO 1.3 §5.1.6). The
 * device maps a constant to its outcome in one place, {@code NetDevice.fail}.
 */
public enum NetError {
    /** A transmit chain with device-writable buffers (§5.1.6.2: transmit buffers are device-readable). */
    TX_WRITABLE("transmit chain has device-writable buffers", Outcome.CHAIN_RETURNED),
    /** A transmit chain shorter than the 12-byte virtio_net_hdr. */
    TX_HEADER_TOO_SHORT("transmit chain is shorter than the 12-byte header", Outcome.CHAIN_RETURNED),
    /** A transmit frame shorter than an Ethernet header. */
    TX_FRAME_TOO_SHORT("transmit frame is shorter than an Ethernet header", Outcome.CHAIN_RETURNED),
    /** A transmit frame longer than 65535 bytes. */
    TX_FRAME_TOO_LARGE("transmit frame is longer than 65535 bytes", Outcome.CHAIN_RETURNED),
    /** Header flags set (NEEDS_CSUM etc.) although no checksum offload was negotiated. */
    TX_UNSUPPORTED_FLAGS("transmit header has flags without a negotiated offload", Outcome.CHAIN_RETURNED),
    /** A GSO type other than NONE although no segmentation offload was negotiated. */
    TX_GSO_UNSUPPORTED("transmit header asks for segmentation offload, not negotiated", Outcome.CHAIN_RETURNED),
    /** A receive chain with device-readable buffers (§5.1.6.3: receive buffers are device-writable). */
    RX_READABLE("receive chain has device-readable buffers", Outcome.CHAIN_RETURNED),
    /** A receive chain too small for the 12-byte header. */
    RX_TOO_SMALL("receive chain is smaller than the 12-byte header", Outcome.CHAIN_RETURNED),
    /** A received frame that no posted receive buffer (or set of merged buffers) can ever hold. */
    RX_FRAME_TOO_BIG_FOR_BUFFERS("received frame larger than the driver's receive buffers", Outcome.FRAME_DROPPED),
    /** A received frame larger than 65535 bytes, or than the negotiated MTU plus Ethernet and VLAN headers. */
    RX_FRAME_TOO_LARGE("received frame exceeds the maximum frame size or MTU", Outcome.FRAME_DROPPED),
    /** A received frame found the bounded host-side queue full. */
    RX_QUEUE_FULL("receive queue full, frame dropped", Outcome.FRAME_DROPPED),
    /** A received frame arrived while the driver was not running. */
    RX_NOT_READY("driver not running, frame dropped", Outcome.FRAME_DROPPED),
    /** The backend could not take a transmit frame now, or failed. */
    TX_BACKEND("backend did not take the transmit frame", Outcome.FRAME_DROPPED);

    /** What the driver sees. */
    public enum Outcome {
        /** The chain is returned (used length 0, nothing done), counted; the device keeps serving. */
        CHAIN_RETURNED,
        /** A frame is lost and counted, as on a real wire; no chain is affected. */
        FRAME_DROPPED
    }

    private final String message;
    private final Outcome outcome;

    NetError(String message, Outcome outcome) {
        this.message = message;
        this.outcome = outcome;
    }

    /** @return a one-line description for logs */
    public String message() {
        return message;
    }

    /** @return what the driver sees */
    public Outcome outcome() {
        return outcome;
    }
}
