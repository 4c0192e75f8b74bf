/**
 * Transport SPI: what MMIO, PCI and CCW transports build on. A transport owns the register layout and the
 * interrupt mechanism; the transport-independent part of every device — status state machine (§2.1),
 * feature negotiation (§2.2), reset (§2.4), configuration space with generation (§2.5), queue registers and
 * opening (§2.6), DEVICE_NEEDS_RESET on malformed input, and snapshot/restore for live swap — lives in
 * {@link org.virtio.core.transport.VirtioDeviceHost}.
 */
@Version("1.2.0")
package org.virtio.core.transport;

import org.osgi.annotation.versioning.Version;
