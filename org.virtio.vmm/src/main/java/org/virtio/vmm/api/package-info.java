/**
 * The VM manager's service API: {@link org.virtio.vmm.api.VmManager} lists, defines, starts, stops,
 * pauses and resumes VMs, and adds, removes and live-swaps their VirtIO devices; the records
 * {@link org.virtio.vmm.api.VmInfo}, {@link org.virtio.vmm.api.DeviceInfo},
 * {@link org.virtio.vmm.api.QueueInfo} and {@link org.virtio.vmm.api.ExitCounts} are snapshots taken at
 * the call. VMs and devices are Config Admin factory configurations (factory PIDs
 * {@value org.virtio.vmm.api.VmManager#VM_FACTORY_PID} and
 * {@value org.virtio.vmm.api.VmManager#DEVICE_FACTORY_PID_PREFIX}{@code <type>}); the manager's
 * create and add methods write such configurations, so a VM defined from the shell and one defined in
 * {@code etc/} behave the same. The types use only the JDK, so shell commands and JMX clients need
 * nothing else.
 */
@Version("0.1.0")
package org.virtio.vmm.api;

import org.osgi.annotation.versioning.Version;
