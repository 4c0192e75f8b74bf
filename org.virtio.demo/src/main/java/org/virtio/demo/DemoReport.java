package org.virtio.demo;

import java.util.HexFormat;
import java.util.StringJoiner;

import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioFeatures;

/**
 * What one run of the demo observed, and its text form for stdout.
 *
 * @param deviceName         the device host's log name
 * @param typeName           the factory's type name ({@code rng})
 * @param deviceType         the VirtIO device id
 * @param offeredFeatures    features the device host offered
 * @param negotiatedFeatures features the driver accepted
 * @param status             device status after the requests were served
 * @param buffers            buffers posted
 * @param bufferSize         bytes per buffer
 * @param entropy            the bytes the device returned, in the order the buffers were posted
 * @param usedInterrupts     used buffer notifications the driver received
 * @param configInterrupts   configuration change notifications the driver received
 */
record DemoReport(String deviceName, String typeName, int deviceType, long offeredFeatures, long negotiatedFeatures,
        int status, int buffers, int bufferSize, byte[] entropy, int usedInterrupts, int configInterrupts) {

    /** Bytes per hex line. */
    static final int BYTES_PER_LINE = 32;

    private static final int[] NAMED_BITS = {VirtioFeatures.INDIRECT_DESC, VirtioFeatures.EVENT_IDX,
        VirtioFeatures.VERSION_1, VirtioFeatures.ACCESS_PLATFORM, VirtioFeatures.RING_PACKED, VirtioFeatures.IN_ORDER};
    private static final String[] BIT_NAMES = {"INDIRECT_DESC", "EVENT_IDX", "VERSION_1", "ACCESS_PLATFORM",
        "RING_PACKED", "IN_ORDER"};

    /** @return the report as printed: one fact per line, the entropy as hex */
    String format() {
        StringBuilder sb = new StringBuilder();
        sb.append("=== virtio-rng demo ===\n");
        sb.append(String.format("device      %s: %s (device id %d)%n", deviceName, typeName, deviceType));
        sb.append(String.format("offered     0x%016x %s%n", offeredFeatures, featureNames(offeredFeatures)));
        sb.append(String.format("negotiated  0x%016x %s%n", negotiatedFeatures, featureNames(negotiatedFeatures)));
        sb.append(String.format("status      0x%02x %s%n", status, DeviceStatus.describe(status)));
        sb.append(String.format("requests    %d buffers of %d bytes%n", buffers, bufferSize));
        sb.append(String.format("entropy     %d bytes%n", entropy.length));
        HexFormat hex = HexFormat.of();
        for (int off = 0; off < entropy.length; off += BYTES_PER_LINE) {
            int end = Math.min(entropy.length, off + BYTES_PER_LINE);
            sb.append(String.format("  %04x  %s%n", off, hex.formatHex(entropy, off, end)));
        }
        sb.append(String.format("interrupts  %d used buffer, %d config change%n", usedInterrupts, configInterrupts));
        return sb.toString();
    }

    /** @param features a feature set  @return the names of the ring/transport bits it has, e.g. [VERSION_1] */
    static String featureNames(long features) {
        StringJoiner j = new StringJoiner(", ", "[", "]");
        for (int i = 0; i < NAMED_BITS.length; i++) {
            if (VirtioFeatures.has(features, NAMED_BITS[i])) {
                j.add(BIT_NAMES[i]);
            }
        }
        return j.toString();
    }
}
