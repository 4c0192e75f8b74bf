/**
 * Guest memory: guest-physical address space backed by FFM {@link java.lang.foreign.MemorySegment}s,
 * with bounds- and overflow-checked access, little-endian accessors, and the acquire/release ring-index
 * accessors the virtqueue code needs. Every address the guest writes is hostile input: all access goes
 * through {@link org.virtio.core.memory.GuestMemory}, and an invalid range is reported as a
 * {@link org.virtio.core.memory.GuestMemoryException}, never as an unchecked exception.
 */
@Version("1.0.0")
package org.virtio.core.memory;

import org.osgi.annotation.versioning.Version;
