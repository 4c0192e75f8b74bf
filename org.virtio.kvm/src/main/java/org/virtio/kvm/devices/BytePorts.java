package org.virtio.kvm.devices;

import org.virtio.kvm.api.PortIoHandler;

/**
 * Base of byte-wide port devices: a wider access is split into byte accesses at consecutive ports, low
 * byte first, as the ISA bus does.
 */
abstract class BytePorts implements PortIoHandler {

    /** @return the byte at {@code port} (0..0xff; 0xff for a port the device does not decode) */
    abstract int readByte(int port);

    /** Writes one byte (0..0xff) to {@code port}; a port the device does not decode ignores it. */
    abstract void writeByte(int port, int value);

    @Override
    public final int in(int port, int size) {
        int value = 0;
        for (int i = 0; i < size; i++) {
            value |= (readByte(port + i) & 0xff) << (8 * i);
        }
        return value;
    }

    @Override
    public final void out(int port, int size, int value) {
        for (int i = 0; i < size; i++) {
            writeByte(port + i, (value >>> (8 * i)) & 0xff);
        }
    }
}
