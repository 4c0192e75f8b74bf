package org.virtio.kvm.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.virtio.kvm.api.GsiRoute;
import org.virtio.kvm.api.KvmError;
import org.virtio.kvm.api.KvmException;

/**
 * Checks a GSI routing table by the rules the kernel applies in {@code setup_routing_entry}
 * (virt/kvm/irqchip.c), so a bad table fails with a message naming the entry rather than a bare EINVAL,
 * and encodes it as {@code struct kvm_irq_routing} for KVM_SET_GSI_ROUTING.
 */
final class GsiRoutingTable {
    private GsiRoutingTable() {
    }

    /**
     * @param routes the table
     * @throws KvmException {@link KvmError#INVALID_ARGUMENT} for a null entry, too many entries, a GSI
     *                      routed twice to one controller, or an MSI GSI that has any other entry
     */
    static void check(List<GsiRoute> routes) throws KvmException {
        Objects.requireNonNull(routes, "routes");
        if (routes.size() > GsiRoute.MAX_ROUTES) {
            throw new KvmException(KvmError.INVALID_ARGUMENT, "GSI routing table has " + routes.size()
                    + " entries; KVM accepts at most " + GsiRoute.MAX_ROUTES);
        }
        Map<Integer, Set<GsiRoute.Chip>> chips = new HashMap<>();
        Map<Integer, GsiRoute> msi = new HashMap<>();
        for (int i = 0; i < routes.size(); i++) {
            GsiRoute r = routes.get(i);
            if (r == null) {
                throw new KvmException(KvmError.INVALID_ARGUMENT, "GSI routing entry " + i + " is null");
            }
            int gsi = r.gsi();
            GsiRoute earlierMsi = msi.get(gsi);
            if (earlierMsi != null) {
                throw new KvmException(KvmError.INVALID_ARGUMENT, "entry " + i + " " + r + ": GSI " + gsi
                        + " is already routed to " + earlierMsi + "; an MSI GSI takes no other entry");
            }
            switch (r) {
                case GsiRoute.Msi m -> {
                    if (chips.containsKey(gsi)) {
                        throw new KvmException(KvmError.INVALID_ARGUMENT, "entry " + i + " " + m + ": GSI " + gsi
                                + " is already routed to " + chips.get(gsi) + "; an MSI GSI takes no other entry");
                    }
                    msi.put(gsi, m);
                }
                case GsiRoute.Irqchip c -> {
                    if (!chips.computeIfAbsent(gsi, g -> EnumSet.noneOf(GsiRoute.Chip.class)).add(c.chip())) {
                        throw new KvmException(KvmError.INVALID_ARGUMENT, "entry " + i + " " + c + ": GSI " + gsi
                                + " is routed to the " + c.chip() + " twice; one pin per controller and GSI");
                    }
                }
            }
        }
    }

    /** @return struct kvm_irq_routing followed by the entries, allocated in {@code arena} */
    static MemorySegment encode(List<GsiRoute> routes, Arena arena) {
        long header = KvmStructs.KVM_IRQ_ROUTING.byteSize();
        long entrySize = KvmStructs.KVM_IRQ_ROUTING_ENTRY.byteSize();
        MemorySegment s = arena.allocate(header + routes.size() * entrySize, 8);
        s.set(ValueLayout.JAVA_INT, KvmStructs.IRQ_ROUTING_NR, routes.size());
        s.set(ValueLayout.JAVA_INT, KvmStructs.IRQ_ROUTING_FLAGS, 0);
        for (int i = 0; i < routes.size(); i++) {
            MemorySegment e = s.asSlice(header + i * entrySize, entrySize);
            GsiRoute r = routes.get(i);
            e.set(ValueLayout.JAVA_INT, KvmStructs.ROUTE_GSI, r.gsi());
            switch (r) {
                case GsiRoute.Irqchip c -> {
                    e.set(ValueLayout.JAVA_INT, KvmStructs.ROUTE_TYPE, KvmStructs.KVM_IRQ_ROUTING_IRQCHIP);
                    e.set(ValueLayout.JAVA_INT, KvmStructs.ROUTE_IRQCHIP_IRQCHIP, chip(c.chip()));
                    e.set(ValueLayout.JAVA_INT, KvmStructs.ROUTE_IRQCHIP_PIN, c.pin());
                }
                case GsiRoute.Msi m -> {
                    e.set(ValueLayout.JAVA_INT, KvmStructs.ROUTE_TYPE, KvmStructs.KVM_IRQ_ROUTING_MSI);
                    e.set(ValueLayout.JAVA_INT, KvmStructs.ROUTE_MSI_ADDRESS_LO, (int) m.address());
                    e.set(ValueLayout.JAVA_INT, KvmStructs.ROUTE_MSI_ADDRESS_HI, (int) (m.address() >>> 32));
                    e.set(ValueLayout.JAVA_INT, KvmStructs.ROUTE_MSI_DATA, m.data());
                }
            }
        }
        return s;
    }

    /** @return the kernel's KVM_IRQCHIP_* value */
    static int chip(GsiRoute.Chip chip) {
        return switch (chip) {
            case PIC_MASTER -> KvmStructs.KVM_IRQCHIP_PIC_MASTER;
            case PIC_SLAVE -> KvmStructs.KVM_IRQCHIP_PIC_SLAVE;
            case IOAPIC -> KvmStructs.KVM_IRQCHIP_IOAPIC;
        };
    }
}
