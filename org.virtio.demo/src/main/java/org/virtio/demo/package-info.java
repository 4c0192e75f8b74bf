/**
 * A runnable demonstration of the platform: the {@link org.virtio.demo.EntropyDemoComponent} DS
 * component drives a virtio-rng device from the device's factory service through the core's simulated
 * driver and prints what it got. Private to the bundle.
 */
package org.virtio.demo;
