/**
 * The virtio entropy device (VirtIO 1.3 §5.4): {@link org.virtio.device.rng.RngDevice}, made by the
 * {@link org.virtio.device.rng.RngDeviceFactory} DS component, configured through
 * {@link org.virtio.device.rng.RngConfig}. Private to the bundle; other bundles use the
 * {@code org.virtio.core.device.VirtioDeviceFactory} service it registers.
 */
package org.virtio.device.rng;
