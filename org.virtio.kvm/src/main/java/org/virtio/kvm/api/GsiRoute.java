package org.virtio.kvm.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One entry of a VM's GSI routing table ({@code struct kvm_irq_routing_entry}, set with
 * {@link KvmVm#setGsiRouting(List)}): raising global system interrupt {@link #gsi()}, for example through an
 * irqfd, either raises a pin of an in-kernel interrupt controller ({@link Irqchip}) or sends an MSI
 * message ({@link Msi}).
 *
 * <p>A GSI may have one {@link Irqchip} entry per controller (the kernel's default table routes GSIs 0-15
 * to both a PIC pin and an IOAPIC pin), or exactly one {@link Msi} entry and nothing else.
 */
public sealed interface GsiRoute permits GsiRoute.Irqchip, GsiRoute.Msi {
    /**
     * The largest table KVM accepts, and one above the largest GSI (KVM_MAX_IRQ_ROUTES in the kernel's
     * {@code include/linux/kvm_host.h}, 4096 on x86 since Linux 4.x; not in the UAPI headers).
     */
    int MAX_ROUTES = 4096;

    /** @return the global system interrupt this entry routes, 0 to {@link #MAX_ROUTES} - 1 */
    int gsi();

    /** The in-kernel interrupt controllers a GSI can be routed to (KVM_IRQCHIP_* of {@code <asm/kvm.h>}). */
    enum Chip {
        /** The master 8259 PIC: pins 0-7, ISA IRQs 0-7. */
        PIC_MASTER(8),
        /** The slave 8259 PIC: pins 0-7, ISA IRQs 8-15. */
        PIC_SLAVE(8),
        /** The IOAPIC: pins 0-23. */
        IOAPIC(24);

        private final int pins;

        Chip(int pins) {
            this.pins = pins;
        }

        /** @return how many input pins the controller has */
        public int pins() {
            return pins;
        }
    }

    /**
     * Routes {@code gsi} to input {@code pin} of the in-kernel controller {@code chip}.
     *
     * @param gsi  the global system interrupt, 0 to {@link #MAX_ROUTES} - 1
     * @param chip the controller
     * @param pin  0-7 on a PIC, 0-23 on the IOAPIC
     */
    record Irqchip(int gsi, Chip chip, int pin) implements GsiRoute {
        /** @throws IllegalArgumentException when the GSI or pin is out of range */
        public Irqchip {
            checkGsi(gsi);
            Objects.requireNonNull(chip, "chip");
            if (pin < 0 || pin >= chip.pins()) {
                throw new IllegalArgumentException("GSI " + gsi + ": pin " + pin + " does not exist on the " + chip
                        + " (pins 0-" + (chip.pins() - 1) + ")");
            }
        }
    }

    /**
     * Routes {@code gsi} to an MSI message: raising the GSI writes {@code data} to {@code address} (the
     * x86 MSI address: bits 31-20 are 0xFEE, bits 19-12 the destination APIC ID; the upper 32 bits are 0
     * unless the VM enabled extended destination IDs).
     *
     * @param gsi     the global system interrupt, 0 to {@link #MAX_ROUTES} - 1
     * @param address the MSI address (address_hi in bits 63-32, address_lo in bits 31-0)
     * @param data    the MSI data (vector in bits 7-0, delivery mode, trigger)
     */
    record Msi(int gsi, long address, int data) implements GsiRoute {
        /** The x86 MSI address window: address_lo bits 31-20 must be 0xFEE. */
        public static final long ADDRESS_WINDOW = 0xFEE0_0000L;
        private static final long WINDOW_MASK = 0xFFF0_0000L;

        /** @throws IllegalArgumentException when the GSI is out of range or the address is not an x86 MSI address */
        public Msi {
            checkGsi(gsi);
            if ((address & WINDOW_MASK) != ADDRESS_WINDOW) {
                throw new IllegalArgumentException("GSI " + gsi + ": MSI address 0x" + Long.toHexString(address)
                        + " is outside the x86 MSI window 0xfee00000-0xfeefffff");
            }
        }
    }

    /**
     * The routing KVM sets up with KVM_CREATE_IRQCHIP (the kernel's {@code kvm_setup_default_irq_routing}):
     * GSIs 0-7 to master PIC pins 0-7, GSIs 8-15 to slave PIC pins 0-7, and GSIs 0-23 to IOAPIC pins 0-23.
     * {@link KvmVm#setGsiRouting(List)} replaces the whole table, so extend this list rather than start
     * from nothing when the legacy interrupts must keep working.
     *
     * @return a new, modifiable list of the 40 default entries, ordered by GSI
     */
    static List<GsiRoute> defaultRouting() {
        List<GsiRoute> routes = new ArrayList<>();
        int picPins = Chip.PIC_MASTER.pins();
        for (int gsi = 0; gsi < Chip.IOAPIC.pins(); gsi++) {
            if (gsi < picPins) {
                routes.add(new Irqchip(gsi, Chip.PIC_MASTER, gsi));
            } else if (gsi < 2 * picPins) {
                routes.add(new Irqchip(gsi, Chip.PIC_SLAVE, gsi - picPins));
            }
            routes.add(new Irqchip(gsi, Chip.IOAPIC, gsi));
        }
        return routes;
    }

    private static void checkGsi(int gsi) {
        if (gsi < 0 || gsi >= MAX_ROUTES) {
            throw new IllegalArgumentException("GSI " + gsi + " outside 0-" + (MAX_ROUTES - 1));
        }
    }
}
