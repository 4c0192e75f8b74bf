package org.virtio.vmm.api;

import java.time.Duration;

/**
 * A completed live swap (see {@link VmManager#swapDevice}).
 *
 * @param vm    the VM
 * @param device the device
 * @param from  the implementation replaced ({@code symbolic-name/version [id]} and class)
 * @param to    the implementation now serving
 * @param pause how long the device's queues were held: from quiescing the old instance to the
 *              replacement serving (the vCPUs keep running; a notification in that window waits)
 */
public record SwapInfo(String vm, String device, String from, String to, Duration pause) {
}
