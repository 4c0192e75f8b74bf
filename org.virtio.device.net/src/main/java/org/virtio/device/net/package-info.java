/**
 * The virtio network device (VirtIO 1.3 §5.1): {@link org.virtio.device.net.NetDevice}, made by the
 * {@link org.virtio.device.net.NetDeviceFactory} DS component, configured through
 * {@link org.virtio.device.net.NetConfig}. Private to the bundle; other bundles use the
 * {@code org.virtio.core.device.VirtioDeviceFactory} service it registers.
 */
package org.virtio.device.net;
