/**
 * Key-command backends of the virtio-input keyboard: a test harness outside the JVM writes lines such as
 * {@code press KEY_A}, {@code release KEY_A}, {@code tap enter} or {@code type hello} to a FIFO or file
 * ({@link org.virtio.device.input.backend.FileCommandSource}) or a unix socket the device listens on
 * ({@link org.virtio.device.input.backend.SocketCommandSource}, which answers every line);
 * {@link org.virtio.device.input.backend.KeyCommand} is the line language. Private to the bundle.
 */
package org.virtio.device.input.backend;
