package org.virtio.device.net;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Parsing, checking and formatting of a unicast Ethernet MAC address for {@code struct virtio_net_config}. */
final class MacAddress {
    private static final SecureRandom RANDOM = new SecureRandom();

    private MacAddress() {
    }

    /**
     * @param key   the property key, for the message
     * @param value six hex pairs separated by ':' or '-', e.g. {@code 52:54:00:12:34:56}
     * @return the six bytes
     * @throws IllegalArgumentException naming the key when malformed, multicast or all zero
     */
    static byte[] parse(String key, String value) {
        String v = value.strip();
        String[] parts = v.split("[:-]", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException(key + ": \"" + v + "\" is not six hex pairs like 52:54:00:12:34:56");
        }
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (parts[i].length() != 2 || !HexFormat.isHexDigit(parts[i].charAt(0)) || !HexFormat.isHexDigit(parts[i].charAt(1))) {
                throw new IllegalArgumentException(key + ": \"" + v + "\" is not six hex pairs like 52:54:00:12:34:56");
            }
            mac[i] = (byte) HexFormat.fromHexDigits(parts[i]);
        }
        if ((mac[0] & 1) != 0) {
            throw new IllegalArgumentException(key + ": " + v + " is a multicast address");
        }
        if (java.util.Arrays.equals(mac, new byte[6])) {
            throw new IllegalArgumentException(key + ": " + v + " is all zero");
        }
        return mac;
    }

    /** @return a random address under QEMU's locally administered 52:54:00 prefix */
    static byte[] random() {
        byte[] mac = {0x52, 0x54, 0x00, 0, 0, 0};
        byte[] tail = new byte[3];
        RANDOM.nextBytes(tail);
        System.arraycopy(tail, 0, mac, 3, 3);
        return mac;
    }

    /** @return e.g. {@code 52:54:00:12:34:56} */
    static String format(byte[] mac) {
        return HexFormat.ofDelimiter(":").formatHex(mac);
    }
}
