/** Storage behind a virtio-blk device: {@link org.virtio.device.blk.backend.RawFileBackend}, a raw image file. */
package org.virtio.device.blk.backend;
