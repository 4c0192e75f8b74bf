/**
 * Shared pieces of the shell commands: usage text and argument errors, {@code key=value} parsing, the
 * name rule. Private to the bundle.
 */
package org.virtio.shell.support;
