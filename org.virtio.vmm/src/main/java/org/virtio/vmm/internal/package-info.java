/**
 * The VM manager's implementation (not exported): DS components that turn Config Admin factory
 * configurations into VMs and devices, the {@link org.virtio.vmm.api.VmManager} service, the tracking
 * of device factories, and one JMX MBean per VM.
 */
package org.virtio.vmm.internal;
