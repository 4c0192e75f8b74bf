/**
 * Backends of the virtio-net device: the {@link org.virtio.device.net.backend.NetBackend} interface,
 * {@link org.virtio.device.net.backend.TapBackend} (a Linux TAP interface through FFM) and
 * {@link org.virtio.device.net.backend.UnixDatagramBackend} (one frame per unix datagram, no privileges
 * needed). Private to the bundle.
 */
package org.virtio.device.net.backend;
