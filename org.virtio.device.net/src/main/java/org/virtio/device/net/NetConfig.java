package org.virtio.device.net;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of one virtio-net device (factory PID {@value #PID}): the properties the VM manager passes
 * to {@link NetDeviceFactory#create}, under the same keys as these methods. Exactly one backend: {@code tap},
 * or {@code socket} with {@code peer}.
 */
@ObjectClassDefinition(id = NetConfig.PID, name = "VirtIO network device",
        description = "One virtio-net device with a TAP or unix datagram backend (VirtIO 1.3 §5.1).")
public @interface NetConfig {
    /** The configuration (factory) PID. */
    String PID = "org.virtio.device.net";

    /** @return a TAP interface name; empty when the socket backend is used */
    @AttributeDefinition(name = "TAP interface", required = false,
            description = "Name of the TAP interface to create or attach to (1-15 of A-Z a-z 0-9 . _ -); needs CAP_NET_ADMIN.")
    String tap() default "";

    /** @return where the device binds its unix datagram socket; empty when the TAP backend is used */
    @AttributeDefinition(name = "Socket path", required = false,
            description = "Absolute path the device binds a unix datagram socket to (at most 107 bytes); frames arrive here.")
    String socket() default "";

    /** @return where the device sends frames with the socket backend */
    @AttributeDefinition(name = "Peer socket path", required = false,
            description = "Absolute path of the peer's unix datagram socket; every transmitted frame is one datagram to it.")
    String peer() default "";

    /** @return the MAC address; empty for a random 52:54:00:xx:xx:xx */
    @AttributeDefinition(name = "MAC address", required = false,
            description = "Unicast MAC such as 52:54:00:12:34:56; empty: random under 52:54:00.")
    String mac() default "";

    /** @return the MTU to advise with VIRTIO_NET_F_MTU; 0 to not offer it */
    @AttributeDefinition(name = "MTU", min = "0", max = "65517",
            description = "0: VIRTIO_NET_F_MTU not offered; else 68-65517, and larger received frames are dropped.")
    int mtu() default 0;

    /** @return whether to offer VIRTIO_NET_F_MRG_RXBUF */
    @AttributeDefinition(name = "Mergeable receive buffers",
            description = "Offer VIRTIO_NET_F_MRG_RXBUF: a received frame may span several receive buffers.")
    boolean mergeRxBuffers() default true;

    /** @return received frames kept while the guest posts no receive buffer */
    @AttributeDefinition(name = "Queued receive frames", min = "1", max = "4096",
            description = "Frames kept while the guest has no receive buffer; beyond it new frames are dropped.")
    int rxQueueFrames() default NetSettings.DEFAULT_RX_QUEUE_FRAMES;
}
