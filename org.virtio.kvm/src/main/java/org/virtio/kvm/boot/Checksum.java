package org.virtio.kvm.boot;

/** The ACPI checksum: a byte chosen so that a range's bytes sum to zero modulo 256. */
final class Checksum {
    private Checksum() {
    }

    /** @param bytes data  @param offset first byte  @param length bytes  @return their sum modulo 256 */
    static int sum(byte[] bytes, int offset, int length) {
        int sum = 0;
        for (int i = offset; i < offset + length; i++) {
            sum += bytes[i];
        }
        return sum & 0xff;
    }

    /**
     * @param bytes data, with the checksum byte still zero
     * @param offset first byte
     * @param length bytes
     * @return the byte that makes the range sum to zero
     */
    static byte complement(byte[] bytes, int offset, int length) {
        return (byte) -sum(bytes, offset, length);
    }
}
