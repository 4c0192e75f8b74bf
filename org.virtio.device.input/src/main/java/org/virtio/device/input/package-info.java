/**
 * The virtio input device (VirtIO 1.3 §5.8) as a keyboard: {@link org.virtio.device.input.InputDevice}, made
 * by the {@link org.virtio.device.input.InputDeviceFactory} DS component, configured through
 * {@link org.virtio.device.input.InputConfig}. Private to the bundle; other bundles use the
 * {@code org.virtio.core.device.VirtioDeviceFactory} service it registers and the exported
 * {@code org.virtio.device.input.api.KeyboardInput} the devices implement.
 */
package org.virtio.device.input;
