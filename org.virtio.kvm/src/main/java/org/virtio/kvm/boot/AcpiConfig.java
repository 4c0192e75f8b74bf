package org.virtio.kvm.boot;

import java.util.List;

/**
 * What the ACPI tables describe.
 *
 * @param vcpuCount number of vCPUs, 1 to 255; vCPU {@code i} has APIC id and ACPI processor UID {@code i}
 * @param devices   the virtio-mmio devices, in {@code _UID} order
 * @param legacyPic whether to describe the legacy 8259 PIC: sets MADT PCAT_COMPAT and adds the interrupt
 *                  source override ISA IRQ 0 → GSI 2. Only right when the VMM routes the PIT to IO-APIC
 *                  pin 2, as QEMU does; KVM's default GSI routing sends GSI 0 to pin 0, and Firecracker
 *                  and Cloud Hypervisor describe no PIC, so the default is {@code false}
 */
public record AcpiConfig(int vcpuCount, List<MmioDeviceDescription> devices, boolean legacyPic) {
    /** The most vCPUs an 8-bit xAPIC id (MADT type 0) can name. */
    public static final int MAX_VCPUS = 255;
    /** The most devices the DSDT names ({@code VR00} to {@code VRFF}). */
    public static final int MAX_DEVICES = 256;

    /** Checks the counts; copies the device list. */
    public AcpiConfig {
        if (vcpuCount < 1 || vcpuCount > MAX_VCPUS) {
            throw new IllegalArgumentException("vCPU count must be 1.." + MAX_VCPUS + ": " + vcpuCount);
        }
        devices = List.copyOf(devices);
        if (devices.size() > MAX_DEVICES) {
            throw new IllegalArgumentException("at most " + MAX_DEVICES + " virtio-mmio devices: " + devices.size());
        }
    }

    /**
     * @param vcpuCount number of vCPUs
     * @param devices   the virtio-mmio devices
     * @return a configuration without legacy PIC semantics
     */
    public static AcpiConfig of(int vcpuCount, List<MmioDeviceDescription> devices) {
        return new AcpiConfig(vcpuCount, devices, false);
    }
}
