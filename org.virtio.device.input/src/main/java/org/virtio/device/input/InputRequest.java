package org.virtio.device.input;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.virtio.core.queue.DescriptorChain;

/**
 * Parsing of the two kinds of virtio-input chains (VirtIO 1.3 §5.8.6) before the device acts on them: an
 * eventq buffer must offer at least one device-writable {@code struct virtio_input_event} and nothing
 * readable; a statusq buffer must be exactly one device-readable event (Linux sends one 8-byte buffer per
 * status event) and nothing writable. Offsets are in the chain's byte streams, so an event split over
 * descriptors parses the same. One instance per device, reused: parsing allocates nothing.
 */
final class InputRequest {
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment scratch = MemorySegment.ofArray(new byte[InputSpec.EVENT_SIZE]);
    private int type;
    private int code;
    private int value;

    /**
     * @param chain a chain popped from the eventq
     * @return null when one event fits, else why not
     */
    static InputError checkEventBuffer(DescriptorChain chain) {
        if (chain.readableBytes() != 0) {
            return InputError.EVENT_BUFFER_READABLE;
        }
        return chain.writableBytes() < InputSpec.EVENT_SIZE ? InputError.EVENT_BUFFER_TOO_SMALL : null;
    }

    /**
     * Parses a statusq chain into this object. Never throws on guest input.
     *
     * @param chain a chain popped from the statusq
     * @return null when it holds one event (then {@link #type}, {@link #code}, {@link #value} are set), else why not
     */
    InputError parseStatus(DescriptorChain chain) {
        type = -1;
        code = -1;
        value = 0;
        if (chain.writableBytes() != 0) {
            return InputError.STATUS_WRITABLE;
        }
        if (chain.readableBytes() != InputSpec.EVENT_SIZE
                || chain.read(0, scratch, 0, InputSpec.EVENT_SIZE) != InputSpec.EVENT_SIZE) {
            return InputError.STATUS_BAD_LENGTH;
        }
        type = Short.toUnsignedInt(scratch.get(SHORT_LE, 0));
        code = Short.toUnsignedInt(scratch.get(SHORT_LE, 2));
        value = scratch.get(INT_LE, 4);
        return null;
    }

    /** @return the status event's type (le16), or -1 before a successful parse */
    int type() {
        return type;
    }

    /** @return the status event's code (le16) */
    int code() {
        return code;
    }

    /** @return the status event's value (le32, signed) */
    int value() {
        return value;
    }
}
