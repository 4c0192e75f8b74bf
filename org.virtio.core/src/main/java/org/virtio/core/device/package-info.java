/**
 * Device SPI: what a device type bundle implements ({@link org.virtio.core.device.VirtioDevice}, registered
 * through a {@link org.virtio.core.device.VirtioDeviceFactory} service) and what the core gives it when the
 * driver has finished initialisation ({@link org.virtio.core.device.DeviceContext}). Devices never see
 * transports, KVM or other devices.
 */
@Version("1.3.0")
package org.virtio.core.device;

import org.osgi.annotation.versioning.Version;
