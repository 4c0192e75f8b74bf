/** The register file behind {@link org.virtio.transport.mmio.api.VirtioMmioDevice}; private to the bundle. */
package org.virtio.transport.mmio.internal;
