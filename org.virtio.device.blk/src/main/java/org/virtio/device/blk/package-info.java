/**
 * The virtio block device (VirtIO 1.3 §5.2): {@link org.virtio.device.blk.BlkDevice}, made by the
 * {@link org.virtio.device.blk.BlkDeviceFactory} DS component, configured through
 * {@link org.virtio.device.blk.BlkConfig}. Private to the bundle; other bundles use the
 * {@code org.virtio.core.device.VirtioDeviceFactory} service it registers.
 */
package org.virtio.device.blk;
