/**
 * The {@code device:*} shell commands, one class per verb over {@link org.virtio.vmm.api.VmManager}: list, add,
 * remove, swap, stats.
 */
package org.virtio.shell.device;
