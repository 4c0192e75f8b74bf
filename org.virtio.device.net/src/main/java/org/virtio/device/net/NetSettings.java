package org.virtio.device.net;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

import org.virtio.core.device.DeviceProperties;

/**
 * Validated settings of one network device, parsed from {@link NetConfig} or from the properties given to
 * {@link NetDeviceFactory#create}. Every rejection is an {@link IllegalArgumentException} whose message
 * starts with the offending key.
 *
 * @param tap            TAP interface name, or "" for the socket backend
 * @param socket         bind path of the socket backend, or null
 * @param peer           peer path of the socket backend, or null
 * @param mac            6 bytes, unicast, not zero
 * @param mtu            0 (not offered) or 68 to 65517
 * @param mergeRxBuffers whether MRG_RXBUF is offered
 * @param rxQueueFrames  1 to {@value #MAX_RX_QUEUE_FRAMES}
 */
record NetSettings(String tap, Path socket, Path peer, byte[] mac, int mtu, boolean mergeRxBuffers, int rxQueueFrames) {
    static final String TAP = "tap";
    static final String SOCKET = "socket";
    static final String PEER = "peer";
    static final String MAC = "mac";
    static final String MTU = "mtu";
    static final String MERGE_RX_BUFFERS = "mergeRxBuffers";
    static final String RX_QUEUE_FRAMES = "rxQueueFrames";
    static final int DEFAULT_RX_QUEUE_FRAMES = 256;
    static final int MAX_RX_QUEUE_FRAMES = 4096;
    static final int MAX_MTU = NetSpec.MAX_FRAME - NetSpec.MTU_OVERHEAD;
    /** Longest unix socket path: sun_path is 108 bytes with its NUL. */
    static final int MAX_SOCKET_PATH = 107;
    /** IFNAMSIZ less the NUL. */
    static final int MAX_TAP_NAME = 15;

    NetSettings {
        Objects.requireNonNull(mac, MAC);
        boolean hasTap = tap != null && !tap.isEmpty();
        if (hasTap == (socket != null)) {
            throw new IllegalArgumentException(TAP + ": give exactly one backend: " + TAP + "=<ifname>, or "
                    + SOCKET + "=<path> with " + PEER + "=<path>");
        }
        tap = hasTap ? checkTap(tap) : "";
        if (socket != null) {
            checkSocketPath(SOCKET, socket);
            if (peer == null) {
                throw new IllegalArgumentException(PEER + ": required with " + SOCKET + " (where frames are sent)");
            }
            checkSocketPath(PEER, peer);
            if (peer.equals(socket)) {
                throw new IllegalArgumentException(PEER + ": must differ from " + SOCKET);
            }
        } else if (peer != null) {
            throw new IllegalArgumentException(PEER + ": only meaningful with " + SOCKET);
        }
        if (mtu != 0 && (mtu < NetSpec.MIN_MTU || mtu > MAX_MTU)) {
            throw new IllegalArgumentException(MTU + ": " + mtu + " is outside [" + NetSpec.MIN_MTU + ", " + MAX_MTU + "] (or 0)");
        }
        rxQueueFrames = DeviceProperties.integer(RX_QUEUE_FRAMES, rxQueueFrames, 1, MAX_RX_QUEUE_FRAMES);
        mac = mac.clone();
    }

    /**
     * @param config a device configuration
     * @return the settings it describes
     * @throws IllegalArgumentException naming the key when a value is invalid
     */
    static NetSettings of(NetConfig config) {
        return new NetSettings(config.tap(), path(SOCKET, config.socket()), path(PEER, config.peer()),
                mac(config.mac()), config.mtu(), config.mergeRxBuffers(), config.rxQueueFrames());
    }

    /**
     * @param properties per-device properties; unknown keys are ignored
     * @return the device's settings
     * @throws IllegalArgumentException naming the key when a value is invalid
     */
    static NetSettings from(Map<String, ?> properties) {
        Objects.requireNonNull(properties, "properties");
        return new NetSettings(string(properties, TAP), path(SOCKET, string(properties, SOCKET)),
                path(PEER, string(properties, PEER)), mac(string(properties, MAC)),
                properties.get(MTU) == null ? 0 : DeviceProperties.integer(MTU, properties.get(MTU), 0, MAX_MTU),
                DeviceProperties.bool(MERGE_RX_BUFFERS, properties.get(MERGE_RX_BUFFERS), true),
                properties.get(RX_QUEUE_FRAMES) == null ? DEFAULT_RX_QUEUE_FRAMES
                        : DeviceProperties.integer(RX_QUEUE_FRAMES, properties.get(RX_QUEUE_FRAMES), 1, MAX_RX_QUEUE_FRAMES));
    }

    private static String string(Map<String, ?> properties, String key) {
        Object v = properties.get(key);
        return v == null ? "" : DeviceProperties.string(key, v).strip();
    }

    private static byte[] mac(String value) {
        return value == null || value.isBlank() ? MacAddress.random() : MacAddress.parse(MAC, value);
    }

    private static Path path(String key, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Path p = DeviceProperties.path(key, value);
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException(key + ": \"" + value.strip() + "\" is not an absolute path");
        }
        return p;
    }

    private static String checkTap(String name) {
        if (name.length() > MAX_TAP_NAME || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(TAP + ": \"" + name + "\" is not a valid interface name (1-" + MAX_TAP_NAME + " characters)");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw new IllegalArgumentException(TAP + ": \"" + name + "\" has a character outside A-Z a-z 0-9 . _ -");
            }
        }
        return name;
    }

    private static void checkSocketPath(String key, Path p) {
        if (p.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new IllegalArgumentException(key + ": " + p + " is longer than " + MAX_SOCKET_PATH + " bytes");
        }
        Path parent = p.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(key + ": directory " + parent + " does not exist");
        }
        if (Files.isDirectory(p)) {
            throw new IllegalArgumentException(key + ": " + p + " is a directory");
        }
    }
}
