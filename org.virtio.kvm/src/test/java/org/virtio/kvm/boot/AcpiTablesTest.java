package org.virtio.kvm.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.GuestRam;

/** ACPI tables: checksums, lengths, the pointer chain, and the DSDT as iasl disassembles it. */
class AcpiTablesTest {
    private static final List<MmioDeviceDescription> DEVICES = List.of(
            new MmioDeviceDescription(0xd000_0000L, 0x1000, 5),
            new MmioDeviceDescription(0xd000_1000L, 0x1000, 6),
            new MmioDeviceDescription(0xd000_2000L, 0x200, 12));

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static String ascii(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.US_ASCII);
    }

    @Test
    void everyTableChecksumsToZeroAndHasItsDeclaredLength() {
        AcpiTables t = AcpiTables.build(new AcpiConfig(2, DEVICES, true));
        for (AcpiTables.Table table : t.tables()) {
            byte[] b = table.bytes();
            if (table.signature().equals("RSD PTR ")) {
                assertEquals(36, b.length);
                assertEquals(0, Checksum.sum(b, 0, 20), "RSDP checksum over the first 20 bytes");
                assertEquals(0, Checksum.sum(b, 0, 36), "RSDP extended checksum");
                assertEquals(2, b[15], "RSDP revision 2");
                assertEquals(36, le(b).getInt(20), "RSDP length");
                assertEquals(0, le(b).getInt(16), "no RSDT");
                continue;
            }
            assertEquals(table.signature(), ascii(b, 0, 4));
            assertEquals(b.length, le(b).getInt(4), table.signature() + " length field");
            assertEquals(0, Checksum.sum(b, 0, b.length), table.signature() + " checksum");
            assertEquals(0, table.address() % 16, table.signature() + " aligned");
        }
    }

    @Test
    void rsdpPointsAtXsdtWhichPointsAtFadtAndMadtAndFadtAtDsdt() {
        AcpiTables t = AcpiTables.build(AcpiConfig.of(1, DEVICES));
        assertEquals(AcpiTables.DEFAULT_RSDP_ADDRESS, t.rsdpAddress());
        long xsdt = le(t.table("RSD PTR ").bytes()).getLong(24);
        assertEquals(t.table("XSDT").address(), xsdt);
        ByteBuffer x = le(t.table("XSDT").bytes());
        assertEquals(36 + 16, x.capacity());
        assertEquals(t.table("FACP").address(), x.getLong(36));
        assertEquals(t.table("APIC").address(), x.getLong(44));
        ByteBuffer f = le(t.table("FACP").bytes());
        assertEquals(276, f.capacity());
        assertEquals(6, f.get(8), "FADT revision 6");
        assertEquals(t.table("DSDT").address(), f.getLong(140), "X_DSDT");
        assertTrue((f.getInt(112) & AcpiTables.FADT_HW_REDUCED_ACPI) != 0, "HW_REDUCED_ACPI");
        for (AcpiTables.Table a : t.tables()) {
            for (AcpiTables.Table b : t.tables()) {
                if (a != b) {
                    assertTrue(a.end() <= b.address() || b.end() <= a.address(), a.signature() + " overlaps " + b.signature());
                }
            }
            assertTrue(a.end() <= AcpiTables.BIOS_AREA_END, a.signature() + " inside the BIOS area");
        }
    }

    @Test
    void madtHasOneLocalApicPerVcpuTheIoApicAndOptionallyTheIrq0Override() {
        ByteBuffer m = le(AcpiTables.build(new AcpiConfig(3, DEVICES, false)).table("APIC").bytes());
        assertEquals(36 + 8 + 3 * 8 + 12, m.capacity());
        assertEquals((int) AcpiTables.LOCAL_APIC_ADDRESS, m.getInt(36));
        assertEquals(0, m.getInt(40), "no PCAT_COMPAT without legacy PIC");
        for (int i = 0; i < 3; i++) {
            int e = 44 + 8 * i;
            assertEquals(0, m.get(e), "type local APIC");
            assertEquals(8, m.get(e + 1));
            assertEquals(i, m.get(e + 3), "APIC id");
            assertEquals(1, m.getInt(e + 4), "enabled");
        }
        assertEquals(1, m.get(68), "type IO-APIC");
        assertEquals((int) AcpiTables.IO_APIC_ADDRESS, m.getInt(72));
        assertEquals(0, m.getInt(76), "GSI base");

        ByteBuffer legacy = le(AcpiTables.build(new AcpiConfig(1, DEVICES, true)).table("APIC").bytes());
        assertEquals(AcpiTables.MADT_PCAT_COMPAT, legacy.getInt(40));
        int iso = 36 + 8 + 8 + 12;
        assertEquals(2, legacy.get(iso), "type interrupt source override");
        assertEquals(0, legacy.get(iso + 3), "IRQ 0");
        assertEquals(2, legacy.getInt(iso + 4), "to GSI 2");
    }

    @Test
    void tablesAreWrittenIntoGuestMemoryAsBuilt() throws Exception {
        AcpiTables t = AcpiTables.build(AcpiConfig.of(2, DEVICES));
        try (GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), 1 << 20).build()) {
            t.writeTo(ram);
            for (AcpiTables.Table table : t.tables()) {
                byte[] back = new byte[table.bytes().length];
                for (int i = 0; i < back.length; i++) {
                    back[i] = ram.readByte(table.address() + i);
                }
                assertArrayEquals(table.bytes(), back, table.signature());
            }
        }
        try (GuestRam small = GuestRam.builder().anonymous(GuestAddress.of(0), 0xe0000).build()) {
            assertThrows(GuestMemoryException.class, () -> t.writeTo(small));
        }
    }

    @Test
    void misplacedTablesAreRefused() {
        AcpiConfig c = AcpiConfig.of(1, DEVICES);
        assertThrows(IllegalArgumentException.class, () -> AcpiTables.build(c, 0xe0008, 0xe1000));
        assertThrows(IllegalArgumentException.class, () -> AcpiTables.build(c, 0xe0000, 0xe0010));
        assertThrows(IllegalArgumentException.class, () -> AcpiConfig.of(0, DEVICES));
        assertThrows(IllegalArgumentException.class, () -> new MmioDeviceDescription(0xffff_f000L, 0x2000, 5));
    }

    @Test
    void malformedDeviceDescriptionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MmioDeviceDescription(0xd000_0000L, 0x1000, -1));
        assertThrows(IllegalArgumentException.class, () -> new MmioDeviceDescription(0xd000_0000L, 0, 5));
    }

    @Test
    void amlPkgLengthUsesOneToFourBytes() {
        assertArrayEquals(new byte[] {0x3f}, Aml.pkgLength(62));
        // 63 content bytes: 65 with a two-byte PkgLength, 0x41 -> lead 0x41 (count 1, nibble 1), then 0x04.
        assertArrayEquals(new byte[] {0x41, 0x04}, Aml.pkgLength(63));
        assertArrayEquals(new byte[] {(byte) 0x4f, (byte) 0xff}, Aml.pkgLength(4095 - 2));
        assertArrayEquals(new byte[] {(byte) 0x81, 0x00, 0x01}, Aml.pkgLength(4094));
        assertEquals(4, Aml.pkgLength((1 << 20) - 3).length);
        assertThrows(IllegalArgumentException.class, () -> Aml.pkgLength(1 << 28));
    }

    @Test
    void amlIntegersUseTheShortestPrefix() {
        assertArrayEquals(new byte[] {0}, Aml.integer(0));
        assertArrayEquals(new byte[] {1}, Aml.integer(1));
        assertArrayEquals(new byte[] {0x0a, 2}, Aml.integer(2));
        assertArrayEquals(new byte[] {0x0b, 0x00, 0x01}, Aml.integer(0x100));
        assertArrayEquals(new byte[] {0x0c, 0, 0, 0, (byte) 0xd0}, Aml.integer(0xd000_0000L));
        assertArrayEquals(new byte[] {0x0e, 0, 0, 0, 0, 1, 0, 0, 0}, Aml.integer(1L << 32));
    }

    @Test
    void resourceTemplateEndsWithEndTagAndAChecksumThatZeroesIt() {
        byte[] buffer = Aml.resourceTemplate(Aml.memory32Fixed(true, 0xd000_0000L, 0x1000), Aml.edgeInterrupt(5));
        // BufferOp, PkgLength, BytePrefix size, then 12 + 9 + 2 bytes of template
        assertEquals(0x11, buffer[0]);
        int size = buffer[3];
        assertEquals(23, size);
        assertEquals(0x79, buffer[buffer.length - 2]);
        assertEquals(0, Checksum.sum(buffer, buffer.length - size, size));
    }

    @Test
    void manyDevicesNeedMultiBytePkgLengthsAndStillChecksum() {
        List<MmioDeviceDescription> many = new java.util.ArrayList<>();
        for (int i = 0; i < 256; i++) {
            many.add(new MmioDeviceDescription(0xd000_0000L + 0x1000L * i, 0x1000, 5 + i % 19));
        }
        byte[] dsdt = AcpiTables.build(AcpiConfig.of(1, many), 0xe0000, 0x100000).table("DSDT").bytes();
        assertEquals(0, Checksum.sum(dsdt, 0, dsdt.length));
        assertTrue(dsdt.length > 1 << 12, "needs a three-byte scope PkgLength");
        assertTrue(ascii(dsdt, 0, dsdt.length).contains("VRFF"));
    }

    // ---- iasl: the strongest check, when acpica-tools is installed ----

    private static Path iasl() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "iasl");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static String disassemble(Path dir, String name, byte[] table) throws IOException, InterruptedException {
        Path iasl = iasl();
        assumeTrue(iasl != null, "iasl not found on PATH (Debian package acpica-tools): skipping the disassembly check");
        Path dat = dir.resolve(name + ".dat");
        Files.write(dat, table);
        Process p = new ProcessBuilder(iasl.toString(), "-d", dat.toString()).directory(dir.toFile())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "iasl finished");
        assertEquals(0, p.exitValue(), "iasl -d failed:\n" + log);
        return Files.readString(dir.resolve(name + ".dsl"));
    }

    @Test
    void iaslDisassemblesTheDsdtIntoLnro0005DevicesWithTheirResources(@TempDir Path dir) throws Exception {
        String dsl = disassemble(dir, "dsdt", AcpiTables.build(AcpiConfig.of(1, DEVICES)).table("DSDT").bytes());
        assertFalse(dsl.contains("Incorrect checksum"), dsl);
        String flat = dsl.replaceAll("//[^\n]*", "").replaceAll("\\s+", " ");
        for (int i = 0; i < DEVICES.size(); i++) {
            MmioDeviceDescription d = DEVICES.get(i);
            String device = String.format("Device (VR%02X)", i);
            int at = flat.indexOf(device);
            assertTrue(at >= 0, device + " in\n" + dsl);
            String body = flat.substring(at);
            int next = body.indexOf("Device (", 1);
            body = next > 0 ? body.substring(0, next) : body;
            assertTrue(body.contains("Name (_HID, \"LNRO0005\")"), body);
            assertTrue(Pattern.compile("Name \\(_UID, (Zero|One|0x0*" + Integer.toHexString(i) + ")\\)",
                    Pattern.CASE_INSENSITIVE).matcher(body).find(), "_UID " + i + ": " + body);
            Matcher mem = Pattern.compile("Memory32Fixed \\(ReadWrite, (0x[0-9A-Fa-f]+), (0x[0-9A-Fa-f]+),").matcher(body);
            assertTrue(mem.find(), body);
            assertEquals(d.base(), Long.decode(mem.group(1)), "base of " + device);
            assertEquals(d.size(), Long.decode(mem.group(2)), "size of " + device);
            Matcher irq = Pattern.compile("Interrupt \\(ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, \\) \\{ (0x[0-9A-Fa-f]+), \\}")
                    .matcher(body);
            assertTrue(irq.find(), body);
            assertEquals(d.irq(), Long.decode(irq.group(1)), "irq of " + device);
        }
        assertTrue(flat.contains("Scope (_SB)") || flat.contains("Scope (\\_SB)"), dsl);
    }

    @Test
    void iaslAcceptsTheFadtMadtAndXsdt(@TempDir Path dir) throws Exception {
        AcpiTables t = AcpiTables.build(new AcpiConfig(2, DEVICES, true));
        String facp = disassemble(dir, "facp", t.table("FACP").bytes());
        assertFalse(facp.contains("Incorrect checksum"), facp);
        assertTrue(facp.replaceAll("\\s+", " ").contains("Hardware Reduced (V5) : 1"), facp);
        String apic = disassemble(dir, "apic", t.table("APIC").bytes());
        assertFalse(apic.contains("Incorrect checksum"), apic);
        assertTrue(apic.contains("Interrupt Source Override"), apic);
        String xsdt = disassemble(dir, "xsdt", t.table("XSDT").bytes());
        assertFalse(xsdt.contains("Incorrect checksum"), xsdt);
        // iasl 2020's -d does not take a bare RSDP; its checksums are checked above without it.
    }
}
