package org.virtio.vmm.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.device.VirtioDevice;
import org.virtio.device.rng.RngConfig;
import org.virtio.device.rng.RngDeviceFactory;
import org.virtio.transport.mmio.api.MmioRegisters;
import org.virtio.vmm.machine.MachineException.Subject;

/** Building a machine: every input checked with its subject named; windows, attach and detach without running. */
class MachineTest {
    @TempDir
    Path dir;

    private MachineException fails(Machine.Builder b) {
        return assertThrows(MachineException.class, b::build);
    }

    @Test
    void badInputsNameTheirSubject() throws Exception {
        Path kernel = Files.write(dir.resolve("k"), new byte[] {0x7f, 'E', 'L', 'F'});
        MachineException e = fails(Machine.builder("m"));
        assertEquals(Subject.KERNEL, e.subject());
        assertEquals("kernel: no kernel image given", e.getMessage());
        e = fails(Machine.builder("m").kernel(dir.resolve("missing")));
        assertEquals("kernel: file not found: " + dir.resolve("missing"), e.getMessage());
        e = fails(Machine.builder("m").kernel(kernel).memoryMib(Machine.MAX_MEMORY_MIB + 1));
        assertEquals(Subject.MEMORY, e.subject());
        e = fails(Machine.builder("m").kernel(kernel).vcpus(0));
        assertEquals(Subject.VCPUS, e.subject());
        e = fails(Machine.builder("m").kernel(kernel).hotplugSlots(Machine.MAX_WINDOWS + 1));
        assertEquals(Subject.DEVICE, e.subject());
        e = fails(Machine.builder("m").kernel(kernel).initrd(dir.resolve("no-initrd")));
        assertEquals(Subject.INITRD, e.subject());
        e = fails(Machine.builder("m").kernel(kernel).device("bad name", rng()));
        assertEquals("device: invalid device name \"bad name\": use 1-64 letters, digits, '.', '_' or '-'", e.getMessage());
        e = fails(Machine.builder("m").kernel(Files.write(dir.resolve("junk"), new byte[600])));
        assertTrue(e.getMessage().contains("neither an ELF kernel"), e.getMessage());
        e = fails(Machine.builder("m").kernel(kernel).kvmDevice(dir.resolve("no-kvm")));
        assertEquals(Subject.KVM, e.subject());
        assertTrue(e.getMessage().startsWith("KVM unavailable (" + dir.resolve("no-kvm") + ")"), e.getMessage());
    }

    private static VirtioDevice rng() {
        return new RngDeviceFactory(Defaults.of(RngConfig.class)).create(Map.of());
    }

    @Test
    void spareWindowsReadDeviceIdZeroUntilADeviceIsAttached() throws Exception {
        Path kernel = TestGuests.build(dir);
        try (Machine m = Machine.builder("w").kernel(kernel).device("r0", rng()).hotplugSlots(2).build()) {
            assertEquals(3, m.windows().size());
            assertEquals(2, m.spareWindows());
            long spare = Machine.MMIO_BASE + Machine.MMIO_STEP;
            assertEquals(MmioRegisters.MAGIC, m.mmioBus().read(spare + MmioRegisters.MAGIC_VALUE, 4));
            assertEquals(2, m.mmioBus().read(spare + MmioRegisters.VERSION, 4));
            assertEquals(0, m.mmioBus().read(spare + MmioRegisters.DEVICE_ID, 4));
            assertEquals(4, m.mmioBus().read(Machine.MMIO_BASE + MmioRegisters.DEVICE_ID, 4));

            VirtioDevice hot = rng();
            assertEquals(spare, m.attach("r1", hot).base());
            assertEquals(4, m.mmioBus().read(spare + MmioRegisters.DEVICE_ID, 4));
            assertEquals("device: r1 is attached already", assertThrows(MachineException.class, () -> m.attach("r1", rng())).getMessage());
            m.attach("r2", rng());
            assertTrue(assertThrows(MachineException.class, () -> m.attach("r3", rng())).getMessage()
                    .startsWith("device: no spare virtio-mmio window left for r3"));
            assertSame(hot, m.detach("r1"));
            assertEquals(0, m.mmioBus().read(spare + MmioRegisters.DEVICE_ID, 4));
            assertEquals("device: no device r1 is attached", assertThrows(MachineException.class, () -> m.detach("r1")).getMessage());
            assertEquals(java.util.List.of("r0", "r2"), m.devices().stream().map(AttachedDevice::name).toList());
            assertEquals(MachineState.CREATED, m.state());
        }
    }
}
