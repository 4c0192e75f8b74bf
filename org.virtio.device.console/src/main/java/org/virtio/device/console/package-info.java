/**
 * The virtio console device (VirtIO 1.3 §5.3), port 0 only: {@link org.virtio.device.console.ConsoleDevice},
 * made by the {@link org.virtio.device.console.ConsoleDeviceFactory} DS component, configured through
 * {@link org.virtio.device.console.ConsoleConfig}. Private to the bundle; other bundles use the
 * {@code org.virtio.core.device.VirtioDeviceFactory} service it registers.
 */
package org.virtio.device.console;
