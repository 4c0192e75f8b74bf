package org.virtio.kvm.boot;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.virtio.core.memory.Access;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.memory.GuestMemoryException;

/**
 * The ACPI tables of a virtio-mmio x86-64 machine (ACPI 6.5), laid out at given guest addresses:
 * RSDP (revision 2, both checksums) → XSDT → FADT (revision 6, HW_REDUCED_ACPI, X_DSDT) and MADT
 * (one enabled local APIC per vCPU, the IO-APIC at {@link #IO_APIC_ADDRESS}); the DSDT names each
 * virtio-mmio device in {@code \_SB} as
 * {@code Device (VRnn) { Name (_HID, "LNRO0005"), Name (_UID, n), Name (_CRS, ResourceTemplate () {
 * Memory32Fixed (ReadWrite, base, size), Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { irq } }) }}
 * — what Linux's virtio_mmio driver matches, as under Firecracker and Cloud Hypervisor.
 *
 * <p>The hardware-reduced FADT tells the guest there is no PM timer, no SCI and no fixed-feature
 * hardware, so nothing but the tables themselves is needed. Linux finds the RSDP by scanning
 * 0xe0000–0xfffff on 16-byte boundaries ({@link #DEFAULT_RSDP_ADDRESS}), or through the PVH
 * {@code rsdp_paddr} / boot_params {@code acpi_rsdp_addr}.
 */
public final class AcpiTables {
    /** Where the RSDP goes by default: the start of the BIOS area that Linux scans. */
    public static final long DEFAULT_RSDP_ADDRESS = 0xe0000;
    /** Where the other tables go by default: right after the RSDP. */
    public static final long DEFAULT_TABLES_ADDRESS = 0xe0040;
    /** The end (exclusive) of the BIOS area Linux scans for the RSDP. */
    public static final long BIOS_AREA_END = 0x100000;
    /** The local APIC's guest-physical address. */
    public static final long LOCAL_APIC_ADDRESS = 0xfee0_0000L;
    /** The IO-APIC's guest-physical address. */
    public static final long IO_APIC_ADDRESS = 0xfec0_0000L;
    /** The virtio-mmio hardware id Linux's virtio_mmio driver matches. */
    public static final String VIRTIO_MMIO_HID = "LNRO0005";

    /** RSDP length for revision 2 (ACPI 6.5 §5.2.5.3). */
    public static final int RSDP_LENGTH = 36;
    /** System description table header length (§5.2.6). */
    public static final int HEADER_LENGTH = 36;
    /** FADT length for revision 6 (§5.2.9). */
    public static final int FADT_LENGTH = 276;

    /** FADT Flags bit: power button is a control-method device (no fixed-feature button). */
    public static final int FADT_PWR_BUTTON = 1 << 4;
    /** FADT Flags bit: sleep button is a control-method device. */
    public static final int FADT_SLP_BUTTON = 1 << 5;
    /** FADT Flags bit 20: hardware-reduced ACPI. */
    public static final int FADT_HW_REDUCED_ACPI = 1 << 20;
    /** FADT IAPC_BOOT_ARCH bit: no VGA. */
    public static final int IAPC_VGA_NOT_PRESENT = 1 << 2;
    /** MADT flag: a dual 8259 PIC is present. */
    public static final int MADT_PCAT_COMPAT = 1;

    static final String OEM_ID = "VIRTIO";
    static final String OEM_TABLE_ID = "VIRTIOVM";
    static final String CREATOR_ID = "JVMM";
    private static final int FADT_REVISION = 6;
    private static final int FADT_MINOR_REVISION = 5;
    private static final int MADT_REVISION = 5;
    private static final int XSDT_REVISION = 1;
    /** DSDT revision 2: integers are 64 bits wide. */
    private static final int DSDT_REVISION = 2;
    private static final int TABLE_ALIGNMENT = 16;

    /**
     * One table and where it goes.
     *
     * @param signature the 4-character signature ("RSD PTR " for the RSDP)
     * @param address   guest-physical address
     * @param bytes     the table, checksummed (do not modify)
     */
    public record Table(String signature, long address, byte[] bytes) {
        /** @return the first address after the table */
        public long end() {
            return address + bytes.length;
        }
    }

    private final List<Table> tables;

    private AcpiTables(List<Table> tables) {
        this.tables = List.copyOf(tables);
    }

    /**
     * Builds the tables with the RSDP at {@link #DEFAULT_RSDP_ADDRESS} and the rest from
     * {@link #DEFAULT_TABLES_ADDRESS}.
     *
     * @param config what to describe
     * @return the tables
     */
    public static AcpiTables build(AcpiConfig config) {
        return build(config, DEFAULT_RSDP_ADDRESS, DEFAULT_TABLES_ADDRESS);
    }

    /**
     * Builds the tables: the RSDP at {@code rsdpAddress}, then DSDT, FADT, MADT and XSDT one after the
     * other from {@code tablesAddress}, each 16-byte aligned.
     *
     * @param config        what to describe
     * @param rsdpAddress   the RSDP's address, 16-byte aligned
     * @param tablesAddress where the first table goes; the tables must not overlap the RSDP
     * @return the tables
     * @throws IllegalArgumentException for misaligned or overlapping addresses
     */
    public static AcpiTables build(AcpiConfig config, long rsdpAddress, long tablesAddress) {
        Objects.requireNonNull(config);
        if ((rsdpAddress & (TABLE_ALIGNMENT - 1)) != 0 || rsdpAddress < 0) {
            throw new IllegalArgumentException("RSDP address must be 16-byte aligned: 0x" + Long.toHexString(rsdpAddress));
        }
        long cursor = align(tablesAddress);
        byte[] dsdt = dsdt(config);
        long dsdtAddress = cursor;
        cursor = align(cursor + dsdt.length);
        byte[] fadt = fadt(dsdtAddress);
        long fadtAddress = cursor;
        cursor = align(cursor + fadt.length);
        byte[] madt = madt(config);
        long madtAddress = cursor;
        cursor = align(cursor + madt.length);
        byte[] xsdt = xsdt(fadtAddress, madtAddress);
        long xsdtAddress = cursor;
        byte[] rsdp = rsdp(xsdtAddress);
        if (tablesAddress < 0 || xsdtAddress + xsdt.length < 0
                || rsdpAddress < xsdtAddress + xsdt.length && tablesAddress < rsdpAddress + RSDP_LENGTH) {
            throw new IllegalArgumentException("ACPI tables at 0x" + Long.toHexString(tablesAddress)
                    + " overlap the RSDP at 0x" + Long.toHexString(rsdpAddress));
        }
        return new AcpiTables(List.of(new Table("RSD PTR ", rsdpAddress, rsdp), new Table("XSDT", xsdtAddress, xsdt),
                new Table("FACP", fadtAddress, fadt), new Table("APIC", madtAddress, madt),
                new Table("DSDT", dsdtAddress, dsdt)));
    }

    /** @return the tables: RSDP, XSDT, FADT ("FACP"), MADT ("APIC"), DSDT */
    public List<Table> tables() {
        return tables;
    }

    /** @param signature "RSD PTR ", "XSDT", "FACP", "APIC" or "DSDT"  @return that table */
    public Table table(String signature) {
        for (Table t : tables) {
            if (t.signature().equals(signature)) {
                return t;
            }
        }
        throw new IllegalArgumentException("no ACPI table " + signature);
    }

    /** @return the RSDP's address, for PVH {@code rsdp_paddr} or boot_params {@code acpi_rsdp_addr} */
    public long rsdpAddress() {
        return tables.get(0).address();
    }

    /**
     * Writes every table into guest memory; checks all ranges before writing any.
     *
     * @param memory guest RAM covering the tables
     * @throws GuestMemoryException when a table falls outside writable guest RAM
     */
    public void writeTo(GuestMemory memory) throws GuestMemoryException {
        for (Table t : tables) {
            memory.regionIndex(t.address(), t.bytes().length, Access.WRITE);
        }
        for (Table t : tables) {
            memory.write(t.address(), MemorySegment.ofArray(t.bytes()), 0, t.bytes().length);
        }
    }

    static byte[] rsdp(long xsdtAddress) {
        ByteBuffer b = ByteBuffer.allocate(RSDP_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RSD PTR ".getBytes(StandardCharsets.US_ASCII));
        b.put((byte) 0); // checksum of the first 20 bytes
        b.put(padded(OEM_ID, 6));
        b.put((byte) 2); // revision: ACPI 2.0+
        b.putInt(0); // RsdtAddress: no RSDT, the XSDT is used
        b.putInt(RSDP_LENGTH);
        b.putLong(xsdtAddress);
        b.put((byte) 0); // extended checksum of all 36 bytes
        byte[] out = b.array();
        out[8] = Checksum.complement(out, 0, 20);
        out[32] = Checksum.complement(out, 0, RSDP_LENGTH);
        return out;
    }

    static byte[] xsdt(long... entries) {
        ByteBuffer b = header("XSDT", HEADER_LENGTH + 8 * entries.length, XSDT_REVISION);
        for (long e : entries) {
            b.putLong(e);
        }
        return finish(b);
    }

    static byte[] fadt(long dsdtAddress) {
        ByteBuffer b = header("FACP", FADT_LENGTH, FADT_REVISION);
        // FIRMWARE_CTRL and DSDT (32-bit) stay 0: no FACS in hardware-reduced mode, X_DSDT is used.
        b.putShort(109, (short) IAPC_VGA_NOT_PRESENT);
        b.putInt(112, FADT_HW_REDUCED_ACPI | FADT_PWR_BUTTON | FADT_SLP_BUTTON);
        b.put(131, (byte) FADT_MINOR_REVISION);
        b.putLong(140, dsdtAddress);
        b.put(268, "JVMM".getBytes(StandardCharsets.US_ASCII)); // hypervisor vendor identity
        return finish(b);
    }

    static byte[] madt(AcpiConfig config) {
        int length = HEADER_LENGTH + 8 + 8 * config.vcpuCount() + 12 + (config.legacyPic() ? 10 : 0);
        ByteBuffer b = header("APIC", length, MADT_REVISION);
        b.putInt((int) LOCAL_APIC_ADDRESS);
        b.putInt(config.legacyPic() ? MADT_PCAT_COMPAT : 0);
        for (int i = 0; i < config.vcpuCount(); i++) {
            b.put((byte) 0).put((byte) 8); // Processor Local APIC
            b.put((byte) i); // ACPI processor UID
            b.put((byte) i); // APIC id
            b.putInt(1); // enabled
        }
        b.put((byte) 1).put((byte) 12); // I/O APIC
        b.put((byte) config.vcpuCount()); // IO-APIC id after the local APIC ids
        b.put((byte) 0);
        b.putInt((int) IO_APIC_ADDRESS);
        b.putInt(0); // GSI base
        if (config.legacyPic()) {
            b.put((byte) 2).put((byte) 10); // Interrupt Source Override
            b.put((byte) 0); // bus: ISA
            b.put((byte) 0); // source: IRQ 0
            b.putInt(2); // GSI 2
            b.putShort((short) 0); // flags: conforms to the bus (edge, active high)
        }
        return finish(b);
    }

    static byte[] dsdt(AcpiConfig config) {
        List<byte[]> devices = new ArrayList<>();
        for (int i = 0; i < config.devices().size(); i++) {
            MmioDeviceDescription d = config.devices().get(i);
            devices.add(Aml.device(String.format("VR%02X", i),
                    Aml.name("_HID", Aml.string(VIRTIO_MMIO_HID)),
                    Aml.name("_UID", Aml.integer(i)),
                    Aml.name("_CRS", Aml.resourceTemplate(Aml.memory32Fixed(true, d.base(), d.size()),
                            Aml.edgeInterrupt(d.irq())))));
        }
        byte[] aml = Aml.scope("\\_SB", devices.toArray(byte[][]::new));
        ByteBuffer b = header("DSDT", HEADER_LENGTH + aml.length, DSDT_REVISION);
        b.put(aml);
        return finish(b);
    }

    private static ByteBuffer header(String signature, int length, int revision) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(signature.getBytes(StandardCharsets.US_ASCII));
        b.putInt(length);
        b.put((byte) revision);
        b.put((byte) 0); // checksum, set by finish
        b.put(padded(OEM_ID, 6));
        b.put(padded(OEM_TABLE_ID, 8));
        b.putInt(1); // OEM revision
        b.put(padded(CREATOR_ID, 4));
        b.putInt(1); // creator revision
        return b;
    }

    private static byte[] finish(ByteBuffer b) {
        byte[] out = b.array();
        out[9] = Checksum.complement(out, 0, out.length);
        return out;
    }

    private static byte[] padded(String s, int length) {
        byte[] out = new byte[length];
        java.util.Arrays.fill(out, (byte) ' ');
        byte[] src = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(src, 0, out, 0, Math.min(src.length, length));
        return out;
    }

    private static long align(long address) {
        return (address + TABLE_ALIGNMENT - 1) & -TABLE_ALIGNMENT;
    }
}
