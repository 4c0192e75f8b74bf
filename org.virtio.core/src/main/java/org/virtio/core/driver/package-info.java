/**
 * The driver side of split and packed virtqueues and a simulated driver that runs the VirtIO 1.3 §3.1
 * initialisation sequence against a {@link org.virtio.core.transport.VirtioDeviceHost}. Used by the
 * conformance tests, the demo runtime and the benchmarks now, and by vhost-user frontends later. The
 * driver side trusts the device less than a real driver would: used ids and lengths are checked.
 */
@Version("1.1.0")
package org.virtio.core.driver;

import org.osgi.annotation.versioning.Version;
