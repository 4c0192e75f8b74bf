package org.virtio.device.input;

import static org.virtio.device.input.InputSpec.CFG_SELECT;
import static org.virtio.device.input.InputSpec.CFG_SIZE;
import static org.virtio.device.input.InputSpec.CFG_SUBSEL;
import static org.virtio.device.input.InputSpec.CFG_UNION;
import static org.virtio.device.input.InputSpec.CONFIG_SIZE;

import java.util.Arrays;

import org.virtio.device.input.api.KeyCodes;

/**
 * The keyboard's {@code struct virtio_input_config} (VirtIO 1.3 §5.8.4): the driver writes {@code select}
 * and {@code subsel}, then reads {@code size} and the union. Every write of either byte recomputes the
 * answer; a combination the keyboard does not know reads size 0 and an all-zero union (§5.8.5.1). Answers,
 * matching select and subsel exactly as QEMU's keyboard does:
 * <ul>
 * <li>ID_NAME / ID_SERIAL (subsel 0): the configured strings (no NUL; size 0 for an empty serial);</li>
 * <li>ID_DEVIDS (subsel 0): bustype BUS_VIRTUAL, vendor 0x0627, product 1, version 1;</li>
 * <li>EV_BITS: EV_KEY the supported {@link KeyCodes}, EV_SYN {@code SYN_REPORT}, EV_REP delay and period,
 * EV_LED NumLock, CapsLock, ScrollLock (so the driver reports LED changes on the statusq);</li>
 * <li>PROP_BITS and ABS_INFO: size 0 (a keyboard has no properties and no absolute axes).</li>
 * </ul>
 * Not thread-safe: the device host serialises config accesses.
 */
final class InputConfigSpace {
    private final byte[] name;
    private final byte[] serial;
    private final byte[] keyBits;
    private final byte[] space = new byte[CONFIG_SIZE];

    /**
     * @param name   the device name, 1 to 128 bytes
     * @param serial the serial, 0 to 128 bytes
     */
    InputConfigSpace(byte[] name, byte[] serial) {
        if (name.length == 0 || name.length > InputSpec.UNION_SIZE || serial.length > InputSpec.UNION_SIZE) {
            throw new IllegalArgumentException("name must be 1-128 bytes and serial 0-128 bytes");
        }
        this.name = name.clone();
        this.serial = serial.clone();
        this.keyBits = bitmap(KeyCodes.supportedCodes());
    }

    /** @return a bitmap with the given bits set, as long as its highest set byte */
    private static byte[] bitmap(int... bits) {
        int max = Arrays.stream(bits).max().orElse(-1);
        byte[] b = new byte[max / 8 + 1];
        for (int bit : bits) {
            b[bit / 8] |= (byte) (1 << (bit % 8));
        }
        return b;
    }

    /** The driver wrote bytes at {@code offset}; only select and subsel are writable (§5.8.4). */
    void write(int offset, byte[] src) {
        boolean changed = false;
        for (int i = 0; i < src.length; i++) {
            int at = offset + i;
            if (at == CFG_SELECT || at == CFG_SUBSEL) {
                space[at] = src[i];
                changed = true;
            }
        }
        if (changed) {
            answer(space[CFG_SELECT] & 0xff, space[CFG_SUBSEL] & 0xff);
        }
    }

    /** Copies config bytes; the host checked the range. */
    void read(int offset, byte[] dst) {
        System.arraycopy(space, offset, dst, 0, dst.length);
    }

    /** @return the current select byte */
    int select() {
        return space[CFG_SELECT] & 0xff;
    }

    /** Back to the reset state: select and subsel 0, size 0. */
    void clear() {
        Arrays.fill(space, (byte) 0);
    }

    private void answer(int select, int subsel) {
        Arrays.fill(space, CFG_SIZE, CONFIG_SIZE, (byte) 0);
        byte[] value = switch (select) {
            case InputSpec.SELECT_ID_NAME -> subsel == 0 ? name : null;
            case InputSpec.SELECT_ID_SERIAL -> subsel == 0 ? serial : null;
            case InputSpec.SELECT_ID_DEVIDS -> subsel == 0 ? devids() : null;
            case InputSpec.SELECT_EV_BITS -> eventBits(subsel);
            default -> null; // UNSET, PROP_BITS (none), ABS_INFO (no axes), unknown selects
        };
        if (value != null) {
            space[CFG_SIZE] = (byte) value.length;
            System.arraycopy(value, 0, space, CFG_UNION, value.length);
        }
    }

    private byte[] eventBits(int type) {
        return switch (type) {
            case InputSpec.EV_SYN -> bitmap(InputSpec.SYN_REPORT);
            case InputSpec.EV_KEY -> keyBits;
            case InputSpec.EV_REP -> bitmap(InputSpec.REP_DELAY, InputSpec.REP_PERIOD);
            case InputSpec.EV_LED -> bitmap(InputSpec.LED_NUML, InputSpec.LED_CAPSL, InputSpec.LED_SCROLLL);
            default -> null;
        };
    }

    private static byte[] devids() {
        byte[] b = new byte[InputSpec.DEVIDS_SIZE];
        le16(b, 0, InputSpec.BUS_VIRTUAL);
        le16(b, 2, InputSpec.VENDOR);
        le16(b, 4, InputSpec.PRODUCT_KEYBOARD);
        le16(b, 6, InputSpec.VERSION);
        return b;
    }

    private static void le16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }
}
