package org.virtio.device.input.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Feeds key events into a virtio-input keyboard (VirtIO 1.3 §5.8.6): each press or release becomes an
 * {@code EV_KEY} event followed by {@code EV_SYN/SYN_REPORT} on the device's eventq. The device made by the
 * {@code virtio.device.type=input} factory implements this interface; callers cast the
 * {@code VirtioDevice} they created.
 *
 * <p>Thread-safe and never blocking: an event the driver has no buffer for waits in a bounded queue; when
 * that queue is full, or the driver is not running (before DRIVER_OK, after a reset), the event is dropped,
 * counted, and the method returns false. A press and its SYN_REPORT are queued or dropped together; the
 * release of a key whose press was queued is always accepted, so a full queue never leaves a key stuck down
 * in the guest.
 */
@ProviderType
public interface KeyboardInput {

    /**
     * Presses a key.
     *
     * @param code a key code the keyboard supports ({@link KeyCodes#isSupported})
     * @return whether the event was delivered or queued; false when it was dropped
     * @throws IllegalArgumentException when the keyboard does not support the code
     */
    boolean press(int code);

    /**
     * Releases a key.
     *
     * @param code a key code the keyboard supports
     * @return whether the event was delivered or queued; false when it was dropped
     * @throws IllegalArgumentException when the keyboard does not support the code
     */
    boolean release(int code);

    /**
     * Presses and releases a key.
     *
     * @param code a key code the keyboard supports
     * @return whether both events were delivered or queued
     * @throws IllegalArgumentException when the keyboard does not support the code
     */
    default boolean tap(int code) {
        boolean pressed = press(code);
        return release(code) && pressed;
    }

    /**
     * Types text on a US layout: each character becomes a tap of its key, with left shift held for
     * capitals and shifted symbols; {@code '\n'} is Enter and {@code '\t'} is Tab. Every character is checked
     * before any event is sent.
     *
     * @param text printable ASCII, newlines and tabs
     * @return how many characters, from the start, had all their events accepted; less than the length
     *         when an event was dropped (typing stops there)
     * @throws IllegalArgumentException naming the first character the layout cannot type
     */
    int type(CharSequence text);

    /**
     * @return whether the driver is running (DRIVER_OK, not reset) so that events can be delivered
     */
    boolean ready();

    /**
     * @return the LED state the driver last sent on the statusq, one bit per {@code LED_*} code (bit 0
     *         NumLock, bit 1 CapsLock, bit 2 ScrollLock)
     */
    int leds();
}
