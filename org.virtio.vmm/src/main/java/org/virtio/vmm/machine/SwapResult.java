package org.virtio.vmm.machine;

import java.time.Duration;

import org.virtio.core.device.VirtioDevice;

/**
 * The outcome of {@link Machine#swapDevice}.
 *
 * @param replaced the instance that served until the swap, no longer called; the caller releases it
 * @param pause    how long the device's queues were held (quiesce, state hand-over, re-activation)
 */
public record SwapResult(VirtioDevice replaced, Duration pause) {
}
