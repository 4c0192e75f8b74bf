/** Completers of the shell commands: VM names, device names, device types, device factory bundles. */
package org.virtio.shell.completers;
