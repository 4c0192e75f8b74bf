/**
 * Entropy backends of the virtio-rng device: the {@link org.virtio.device.rng.backend.EntropySource}
 * interface, {@link org.virtio.device.rng.backend.SecureRandomSource} and
 * {@link org.virtio.device.rng.backend.FileEntropySource}. Private to the bundle.
 */
package org.virtio.device.rng.backend;
