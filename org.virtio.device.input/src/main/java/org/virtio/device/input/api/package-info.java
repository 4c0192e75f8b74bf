/**
 * Host-side API of the virtio-input keyboard (VirtIO 1.3 §5.8): {@link org.virtio.device.input.api.KeyboardInput}
 * injects key presses and releases into a guest, {@link org.virtio.device.input.api.KeyCodes} names the
 * Linux {@code input-event-codes.h} key codes the keyboard supports. A device made by the
 * {@code virtio.device.type=input} factory implements {@code KeyboardInput}.
 */
@Version("1.0.0")
package org.virtio.device.input.api;

import org.osgi.annotation.versioning.Version;
