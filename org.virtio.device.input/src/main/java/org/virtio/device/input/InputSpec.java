package org.virtio.device.input;

/**
 * The virtio-input constants of VirtIO 1.3 §5.8 in one place: the {@code struct virtio_input_config} layout
 * and its select values (§5.8.4), the 8-byte {@code struct virtio_input_event} (§5.8.6), and the Linux evdev
 * event types and codes the keyboard uses ({@code input-event-codes.h}, checked by a test against the
 * header). Queue indices are in {@link InputDevice}.
 */
final class InputSpec {
    // struct virtio_input_config (§5.8.4).
    /** u8 select, written by the driver. */
    static final int CFG_SELECT = 0;
    /** u8 subsel, written by the driver. */
    static final int CFG_SUBSEL = 1;
    /** u8 size: bytes of the union that are valid for select/subsel, 0 when unsupported. */
    static final int CFG_SIZE = 2;
    /** Start of the 128-byte union (after u8 reserved[5]). */
    static final int CFG_UNION = 8;
    /** Size of the union. */
    static final int UNION_SIZE = 128;
    /** Configuration space size. */
    static final int CONFIG_SIZE = CFG_UNION + UNION_SIZE;

    // enum virtio_input_config_select (§5.8.4).
    /** No selection. */
    static final int SELECT_UNSET = 0x00;
    /** Device name, a string. */
    static final int SELECT_ID_NAME = 0x01;
    /** Serial number, a string. */
    static final int SELECT_ID_SERIAL = 0x02;
    /** struct virtio_input_devids. */
    static final int SELECT_ID_DEVIDS = 0x03;
    /** Input property bitmap (INPUT_PROP_*). */
    static final int SELECT_PROP_BITS = 0x10;
    /** Event code bitmap of the event type in subsel. */
    static final int SELECT_EV_BITS = 0x11;
    /** struct virtio_input_absinfo of the absolute axis in subsel. */
    static final int SELECT_ABS_INFO = 0x12;

    /** Size of struct virtio_input_devids: le16 bustype, vendor, product, version. */
    static final int DEVIDS_SIZE = 8;
    /** BUS_VIRTUAL from {@code linux/input.h}. */
    static final int BUS_VIRTUAL = 0x06;
    /** Vendor id QEMU uses for its virtio keyboards (and USB HID devices). */
    static final int VENDOR = 0x0627;
    /** Product id of a keyboard, as QEMU's virtio keyboard reports. */
    static final int PRODUCT_KEYBOARD = 0x0001;
    /** Version. */
    static final int VERSION = 0x0001;

    /** Size of struct virtio_input_event: le16 type, le16 code, le32 value (§5.8.6). */
    static final int EVENT_SIZE = 8;

    // Event types (input-event-codes.h).
    /** Synchronisation events. */
    static final int EV_SYN = 0x00;
    /** Keys and buttons. */
    static final int EV_KEY = 0x01;
    /** LEDs (sent by the driver on the statusq). */
    static final int EV_LED = 0x11;
    /** Sounds (bell, click; sent by the driver on the statusq). */
    static final int EV_SND = 0x12;
    /** Auto-repeat. */
    static final int EV_REP = 0x14;

    /** EV_SYN code ending one input device update. */
    static final int SYN_REPORT = 0;
    /** EV_LED codes: NumLock, CapsLock, ScrollLock. */
    static final int LED_NUML = 0;
    /** CapsLock LED. */
    static final int LED_CAPSL = 1;
    /** ScrollLock LED. */
    static final int LED_SCROLLL = 2;
    /** EV_REP codes: delay and period. */
    static final int REP_DELAY = 0;
    /** Auto-repeat period. */
    static final int REP_PERIOD = 1;
    /** EV_KEY values. */
    static final int KEY_RELEASED = 0;
    /** Key pressed. */
    static final int KEY_PRESSED = 1;

    private InputSpec() {
    }
}
