/**
 * Serving a VirtIO device over the vhost-user protocol (QEMU docs/interop/vhost-user.rst), backend side:
 * {@link org.virtio.vhost.user.api.VhostUserBackends#start} listens on a unix socket and serves any
 * {@code org.virtio.core.device.VirtioDevice} to a frontend such as QEMU ({@code -device vhost-user-blk},
 * {@code vhost-user-rng}, ...). The device's queues are the core's split virtqueues (VirtIO 1.3 §2.7).
 */
@Version("0.1.0")
package org.virtio.vhost.user.api;

import org.osgi.annotation.versioning.Version;
