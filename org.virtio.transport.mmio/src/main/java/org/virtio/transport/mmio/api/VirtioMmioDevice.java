package org.virtio.transport.mmio.api;

import java.util.function.Function;

import org.osgi.annotation.versioning.ProviderType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.memory.AddressTranslator;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.transport.InterruptSink;
import org.virtio.core.transport.VirtioDeviceHost;
import org.virtio.transport.mmio.internal.MmioRegisterFile;

/**
 * The register file of one virtio-mmio version 2 window (VirtIO 1.3 §4.2.2) over a
 * {@link VirtioDeviceHost}: every register of {@link MmioRegisters}, with the device requirements of
 * §4.2.2.1. Accesses the driver requirements of §4.2.2.2 forbid never throw and never reach the device:
 * registers are 32-bit, 4-byte aligned accesses only (anything else reads 0 and is ignored on write);
 * reads of write-only registers return 0 and writes to read-only ones are ignored; the configuration space
 * at {@link MmioRegisters#CONFIG} takes naturally aligned 1, 2, 4 (and 8) byte accesses inside the
 * device's configuration size. Thread-safe: vCPU threads and device threads may call concurrently.
 */
@ProviderType
public interface VirtioMmioDevice {

    /**
     * Creates the device host with the register file as its interrupt sink.
     *
     * @param device     the device
     * @param memory     guest memory
     * @param translator IOMMU for ACCESS_PLATFORM, or null
     * @param name       for log lines, e.g. {@code vm1/rng0}
     * @param line       the window's interrupt line
     * @return the register file, device in the reset state
     */
    static VirtioMmioDevice create(VirtioDevice device, GuestMemory memory, AddressTranslator translator, String name,
            InterruptTrigger line) {
        return new MmioRegisterFile(sink -> VirtioDeviceHost.create(device, memory, sink, translator, name), line);
    }

    /**
     * For hosts made some other way (a restored one, a test double): the function receives the sink the
     * host must report interrupts to.
     *
     * @param host makes the host, given the register file's sink
     * @param line the window's interrupt line
     * @return the register file
     */
    static VirtioMmioDevice over(Function<InterruptSink, VirtioDeviceHost> host, InterruptTrigger line) {
        return new MmioRegisterFile(host, line);
    }

    /**
     * A guest read.
     *
     * @param offset byte offset in the window
     * @param size   access width in bytes
     * @return the value, zero-extended; 0 for accesses the spec does not allow
     */
    long read(int offset, int size);

    /**
     * A guest write. A write of 0 to Status resets the device and every register of the window.
     *
     * @param offset byte offset in the window
     * @param size   access width in bytes
     * @param value  the value, little-endian, low {@code size} bytes used
     */
    void write(int offset, int size, long value);

    /** @return the pending events, as InterruptStatus reads them */
    int interruptStatus();

    /** @return the device host behind the window */
    VirtioDeviceHost host();
}
