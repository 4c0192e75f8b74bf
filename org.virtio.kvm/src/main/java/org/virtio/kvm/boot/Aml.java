package org.virtio.kvm.boot;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A small ACPI Machine Language encoder (ACPI 6.5 §20.2): just what the DSDT of a virtio-mmio machine
 * needs: Scope, Device, Name, String, Integer, Buffer, and the resource descriptors Memory32Fixed,
 * Extended Interrupt and End Tag (§6.4). Each method returns the encoded bytes of one term.
 */
final class Aml {
    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0a;
    static final int WORD_PREFIX = 0x0b;
    static final int DWORD_PREFIX = 0x0c;
    static final int STRING_PREFIX = 0x0d;
    static final int QWORD_PREFIX = 0x0e;
    static final int SCOPE_OP = 0x10;
    static final int BUFFER_OP = 0x11;
    static final int ROOT_CHAR = 0x5c;
    static final int EXT_OP_PREFIX = 0x5b;
    static final int DEVICE_OP = 0x82;

    /** Large resource item Memory32Fixed (§6.4.3.4): tag, then 9 bytes of data. */
    static final int MEMORY32_FIXED_TAG = 0x86;
    /** Large resource item Extended Interrupt (§6.4.3.6). */
    static final int EXTENDED_INTERRUPT_TAG = 0x89;
    /** Small resource item End Tag (§6.4.2.9): tag with length 1, then the checksum byte. */
    static final int END_TAG = 0x79;

    private static final int MAX_PKG_LENGTH = 1 << 28;

    private Aml() {
    }

    /**
     * PkgLength (§20.2.4): the length of what follows plus the PkgLength bytes themselves, in one
     * byte below 64, else a lead byte whose bits 7:6 count the following bytes, with its low nibble
     * the least significant bits.
     *
     * @param contentLength bytes after the PkgLength
     * @return the encoding
     */
    static byte[] pkgLength(int contentLength) {
        if (contentLength + 1 < 64) {
            return new byte[] {(byte) (contentLength + 1)};
        }
        for (int extra = 1; extra <= 3; extra++) {
            int total = contentLength + 1 + extra;
            if (total < 1 << (4 + 8 * extra)) {
                byte[] out = new byte[1 + extra];
                out[0] = (byte) (extra << 6 | (total & 0xf));
                for (int i = 1; i <= extra; i++) {
                    out[i] = (byte) (total >>> (4 + 8 * (i - 1)));
                }
                return out;
            }
        }
        throw new IllegalArgumentException("AML package too long: " + contentLength + " bytes (max " + MAX_PKG_LENGTH + ")");
    }

    /**
     * @param name a NameSeg: 1 to 4 characters of A-Z, 0-9, '_', not starting with a digit; padded with '_'
     * @return the four bytes
     */
    static byte[] nameSeg(String name) {
        if (name.isEmpty() || name.length() > 4 || Character.isDigit(name.charAt(0))) {
            throw new IllegalArgumentException("bad AML NameSeg: " + name);
        }
        byte[] out = new byte[] {'_', '_', '_', '_'};
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                throw new IllegalArgumentException("bad AML NameSeg: " + name);
            }
            out[i] = (byte) c;
        }
        return out;
    }

    /**
     * @param path a NameSeg, or a root path of one segment such as {@code \_SB}
     * @return the NameString
     */
    static byte[] nameString(String path) {
        if (path.startsWith("\\")) {
            return concat(new byte[] {(byte) ROOT_CHAR}, nameSeg(path.substring(1)));
        }
        return nameSeg(path);
    }

    /** @param value an unsigned integer  @return the shortest Integer encoding (Zero, One, Byte…QWord) */
    static byte[] integer(long value) {
        if (value == 0) {
            return new byte[] {ZERO_OP};
        }
        if (value == 1) {
            return new byte[] {ONE_OP};
        }
        if ((value & ~0xffL) == 0) {
            return new byte[] {BYTE_PREFIX, (byte) value};
        }
        if ((value & ~0xffffL) == 0) {
            return concat(new byte[] {WORD_PREFIX}, le(value, 2));
        }
        if ((value & ~0xffff_ffffL) == 0) {
            return concat(new byte[] {DWORD_PREFIX}, le(value, 4));
        }
        return concat(new byte[] {QWORD_PREFIX}, le(value, 8));
    }

    /** @param ascii printable ASCII  @return the String term, NUL-terminated */
    static byte[] string(String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            char c = ascii.charAt(i);
            if (c < 0x01 || c > 0x7f) {
                throw new IllegalArgumentException("AML strings are 7-bit ASCII without NUL: " + ascii);
            }
        }
        return concat(new byte[] {STRING_PREFIX}, ascii.getBytes(StandardCharsets.US_ASCII), new byte[] {0});
    }

    /** @param name NameString  @param value the data object's encoding  @return {@code Name (name, value)} */
    static byte[] name(String name, byte[] value) {
        return concat(new byte[] {NAME_OP}, nameString(name), value);
    }

    /** @param contents the bytes  @return {@code Buffer (n) {contents}} */
    static byte[] buffer(byte[] contents) {
        byte[] body = concat(integer(contents.length), contents);
        return concat(new byte[] {BUFFER_OP}, pkgLength(body.length), body);
    }

    /** @param name NameString  @param terms its TermList  @return {@code Scope (name) {terms}} */
    static byte[] scope(String name, byte[]... terms) {
        byte[] body = concat(nameString(name), concat(terms));
        return concat(new byte[] {SCOPE_OP}, pkgLength(body.length), body);
    }

    /** @param name NameSeg  @param terms its TermList  @return {@code Device (name) {terms}} */
    static byte[] device(String name, byte[]... terms) {
        byte[] body = concat(nameSeg(name), concat(terms));
        return concat(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, pkgLength(body.length), body);
    }

    /**
     * @param readWrite whether the range is writable
     * @param base      32-bit base
     * @param length    32-bit length
     * @return the Memory32Fixed large resource descriptor (12 bytes)
     */
    static byte[] memory32Fixed(boolean readWrite, long base, long length) {
        return concat(new byte[] {(byte) MEMORY32_FIXED_TAG, 9, 0, (byte) (readWrite ? 1 : 0)}, le(base, 4), le(length, 4));
    }

    /**
     * An Extended Interrupt descriptor for one interrupt, consumer, edge-triggered, active-high,
     * exclusive, not wake-capable.
     *
     * @param irq the GSI
     * @return the descriptor (9 bytes)
     */
    static byte[] edgeInterrupt(long irq) {
        int flags = 1 /* consumer */ | 1 << 1 /* edge */;
        return concat(new byte[] {(byte) EXTENDED_INTERRUPT_TAG, 6, 0, (byte) flags, 1}, le(irq, 4));
    }

    /**
     * A ResourceTemplate: the descriptors, an End Tag and its checksum byte (the whole template sums
     * to zero), wrapped in a Buffer.
     *
     * @param descriptors resource descriptors
     * @return the Buffer term
     */
    static byte[] resourceTemplate(byte[]... descriptors) {
        byte[] body = concat(concat(descriptors), new byte[] {END_TAG, 0});
        body[body.length - 1] = Checksum.complement(body, 0, body.length);
        return buffer(body);
    }

    static byte[] le(long value, int bytes) {
        byte[] out = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            out[i] = (byte) (value >>> (8 * i));
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
