package org.virtio.kvm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.virtio.kvm.api.GsiRoute;
import org.virtio.kvm.api.GsiRoute.Chip;
import org.virtio.kvm.api.KvmError;
import org.virtio.kvm.api.KvmException;

/** Level A: GSI route values, the table rules and the struct kvm_irq_routing encoding, without KVM. */
class GsiRoutingTableTest {

    @Test
    void defaultRoutingIsTheKernelsTable() throws Exception {
        List<GsiRoute> routes = GsiRoute.defaultRouting();
        assertEquals(40, routes.size());
        assertTrue(routes.contains(new GsiRoute.Irqchip(0, Chip.PIC_MASTER, 0)));
        assertTrue(routes.contains(new GsiRoute.Irqchip(4, Chip.IOAPIC, 4)));
        assertTrue(routes.contains(new GsiRoute.Irqchip(8, Chip.PIC_SLAVE, 0)));
        assertTrue(routes.contains(new GsiRoute.Irqchip(15, Chip.PIC_SLAVE, 7)));
        assertTrue(routes.contains(new GsiRoute.Irqchip(23, Chip.IOAPIC, 23)));
        assertEquals(16, routes.stream().filter(r -> ((GsiRoute.Irqchip) r).chip() != Chip.IOAPIC).count());
        GsiRoutingTable.check(routes);
        routes.add(new GsiRoute.Irqchip(30, Chip.IOAPIC, 4));   // modifiable: callers extend it
        GsiRoutingTable.check(routes);
    }

    @Test
    void pinsAndGsisOutOfRangeAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new GsiRoute.Irqchip(1, Chip.PIC_MASTER, 8));
        assertThrows(IllegalArgumentException.class, () -> new GsiRoute.Irqchip(1, Chip.PIC_SLAVE, -1));
        assertThrows(IllegalArgumentException.class, () -> new GsiRoute.Irqchip(1, Chip.IOAPIC, 24));
        assertThrows(IllegalArgumentException.class, () -> new GsiRoute.Irqchip(-1, Chip.IOAPIC, 0));
        assertThrows(IllegalArgumentException.class, () -> new GsiRoute.Irqchip(GsiRoute.MAX_ROUTES, Chip.IOAPIC, 0));
        assertThrows(NullPointerException.class, () -> new GsiRoute.Irqchip(1, null, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GsiRoute.Msi(40, 0xfec0_0000L, 0x30));
        assertTrue(e.getMessage().contains("MSI window"), e.getMessage());
        new GsiRoute.Irqchip(GsiRoute.MAX_ROUTES - 1, Chip.IOAPIC, 23);
        new GsiRoute.Msi(40, 0xfee0_1000L, 0x30);
    }

    @Test
    void aGsiRoutedTwiceToOneChipIsRejected() {
        KvmException e = assertThrows(KvmException.class, () -> GsiRoutingTable.check(List.of(
                new GsiRoute.Irqchip(30, Chip.IOAPIC, 4), new GsiRoute.Irqchip(30, Chip.IOAPIC, 5))));
        assertEquals(KvmError.INVALID_ARGUMENT, e.error());
        assertTrue(e.getMessage().contains("GSI 30") && e.getMessage().contains("twice"), e.getMessage());
        assertThrows(KvmException.class, () -> GsiRoutingTable.check(List.of(
                new GsiRoute.Irqchip(30, Chip.IOAPIC, 4), new GsiRoute.Irqchip(30, Chip.IOAPIC, 4))));
    }

    @Test
    void anMsiGsiTakesNoOtherEntry() {
        GsiRoute msi = new GsiRoute.Msi(31, 0xfee0_0000L, 0x41);
        assertThrows(KvmException.class, () -> GsiRoutingTable.check(List.of(msi, new GsiRoute.Irqchip(31, Chip.IOAPIC, 1))));
        assertThrows(KvmException.class, () -> GsiRoutingTable.check(List.of(new GsiRoute.Irqchip(31, Chip.IOAPIC, 1), msi)));
        assertThrows(KvmException.class, () -> GsiRoutingTable.check(List.of(msi, new GsiRoute.Msi(31, 0xfee0_0000L, 0x42))));
    }

    @Test
    void nullEntriesAndOversizedTablesAreRejected() {
        assertThrows(KvmException.class, () -> GsiRoutingTable.check(Arrays.asList(new GsiRoute.Irqchip(1, Chip.IOAPIC, 1), null)));
        List<GsiRoute> many = new ArrayList<>();
        for (int gsi = 0; gsi <= GsiRoute.MAX_ROUTES; gsi++) {
            many.add(new GsiRoute.Msi(gsi % GsiRoute.MAX_ROUTES, 0xfee0_0000L, 0x40));
        }
        KvmException e = assertThrows(KvmException.class, () -> GsiRoutingTable.check(many));
        assertTrue(e.getMessage().contains("at most"), e.getMessage());
    }

    @Test
    void encodesKvmIrqRouting() {
        List<GsiRoute> routes = List.of(new GsiRoute.Irqchip(30, Chip.PIC_SLAVE, 3),
                new GsiRoute.Msi(31, 0x1_fee0_2000L, 0x4041));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = GsiRoutingTable.encode(routes, a);
            long header = KvmStructs.KVM_IRQ_ROUTING.byteSize();
            long size = KvmStructs.KVM_IRQ_ROUTING_ENTRY.byteSize();
            assertEquals(header + 2 * size, s.byteSize());
            assertEquals(2, s.get(ValueLayout.JAVA_INT, KvmStructs.IRQ_ROUTING_NR));
            assertEquals(30, s.get(ValueLayout.JAVA_INT, header + KvmStructs.ROUTE_GSI));
            assertEquals(KvmStructs.KVM_IRQ_ROUTING_IRQCHIP, s.get(ValueLayout.JAVA_INT, header + KvmStructs.ROUTE_TYPE));
            assertEquals(KvmStructs.KVM_IRQCHIP_PIC_SLAVE, s.get(ValueLayout.JAVA_INT, header + KvmStructs.ROUTE_IRQCHIP_IRQCHIP));
            assertEquals(3, s.get(ValueLayout.JAVA_INT, header + KvmStructs.ROUTE_IRQCHIP_PIN));
            long e = header + size;
            assertEquals(31, s.get(ValueLayout.JAVA_INT, e + KvmStructs.ROUTE_GSI));
            assertEquals(KvmStructs.KVM_IRQ_ROUTING_MSI, s.get(ValueLayout.JAVA_INT, e + KvmStructs.ROUTE_TYPE));
            assertEquals(0xfee0_2000, s.get(ValueLayout.JAVA_INT, e + KvmStructs.ROUTE_MSI_ADDRESS_LO));
            assertEquals(1, s.get(ValueLayout.JAVA_INT, e + KvmStructs.ROUTE_MSI_ADDRESS_HI));
            assertEquals(0x4041, s.get(ValueLayout.JAVA_INT, e + KvmStructs.ROUTE_MSI_DATA));
            assertEquals(0, s.get(ValueLayout.JAVA_INT, e + KvmStructs.ROUTE_FLAGS));
        }
    }
}
