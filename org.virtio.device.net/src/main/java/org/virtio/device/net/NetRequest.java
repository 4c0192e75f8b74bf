package org.virtio.device.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.virtio.core.queue.DescriptorChain;

/**
 * Parsing of virtio-net chains before the device acts (VirtIO 1.3 §5.1.6): a transmit chain is a
 * device-readable {@code virtio_net_hdr} followed by one Ethernet frame, nothing writable; a receive chain
 * is device-writable only and holds at least a header. The header and frame may be split over any number
 * of descriptors: offsets are in the chain's byte streams. One instance per device, reused: parsing
 * allocates nothing.
 */
final class NetRequest {
    private final MemorySegment header = MemorySegment.ofArray(new byte[NetSpec.HDR_SIZE]);
    private int frameLength;

    /**
     * Parses a transmit chain. Never throws on guest input.
     *
     * @param chain a chain popped from the transmit queue
     * @return null when valid (then {@link #frameLength()} is set), else why not
     */
    NetError parseTx(DescriptorChain chain) {
        frameLength = 0;
        if (chain.writableBytes() != 0) {
            return NetError.TX_WRITABLE;
        }
        long readable = chain.readableBytes();
        if (readable < NetSpec.HDR_SIZE || chain.read(0, header, 0, NetSpec.HDR_SIZE) != NetSpec.HDR_SIZE) {
            return NetError.TX_HEADER_TOO_SHORT;
        }
        long frame = readable - NetSpec.HDR_SIZE;
        if (frame > NetSpec.MAX_FRAME) {
            return NetError.TX_FRAME_TOO_LARGE;
        }
        if (frame < NetSpec.ETH_HLEN) {
            return NetError.TX_FRAME_TOO_SHORT;
        }
        if (header.get(ValueLayout.JAVA_BYTE, NetSpec.HDR_FLAGS) != 0) {
            return NetError.TX_UNSUPPORTED_FLAGS;
        }
        if (header.get(ValueLayout.JAVA_BYTE, NetSpec.HDR_GSO_TYPE) != NetSpec.GSO_NONE) {
            return NetError.TX_GSO_UNSUPPORTED;
        }
        frameLength = (int) frame;
        return null;
    }

    /**
     * @param chain a chain popped from the receive queue
     * @return null when it can take a header and data, else why not
     */
    static NetError checkRx(DescriptorChain chain) {
        if (chain.readableBytes() != 0) {
            return NetError.RX_READABLE;
        }
        return chain.writableBytes() < NetSpec.HDR_SIZE ? NetError.RX_TOO_SMALL : null;
    }

    /** @return the transmit frame's length, after a successful {@link #parseTx} */
    int frameLength() {
        return frameLength;
    }
}
