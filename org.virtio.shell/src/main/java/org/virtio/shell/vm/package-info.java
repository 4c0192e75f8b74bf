/**
 * The {@code vm:*} shell commands, one class per verb over {@link org.virtio.vmm.api.VmManager}: list, info,
 * create, start, stop, pause, resume, console.
 */
package org.virtio.shell.vm;
