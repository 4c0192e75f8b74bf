package org.virtio.kvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.GuestRam;

/** The long-mode tables and registers, checked bit by bit without KVM. */
class LongModeTest {

    @Test
    void tablesIdentityMapTheFirstGibWithTwoMibPages() throws Exception {
        try (GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), 1 << 20).build()) {
            ram.writeLong(LongMode.TABLES_END, -1L);
            LongMode.writeTables(ram);
            assertEquals(-1L, ram.readLong(LongMode.TABLES_END), "nothing written past the tables");
            assertEquals(0, ram.readLong(LongMode.GDT_ADDRESS), "null descriptor");
            assertEquals(0x00af_9b00_0000_ffffL, ram.readLong(LongMode.GDT_ADDRESS + LongMode.CODE_SELECTOR));
            assertEquals(0x00cf_9300_0000_ffffL, ram.readLong(LongMode.GDT_ADDRESS + LongMode.DATA_SELECTOR));
            long tss = ram.readLong(LongMode.GDT_ADDRESS + LongMode.TSS_SELECTOR);
            assertEquals(0x67, tss & 0xffff, "TSS limit");
            assertEquals(LongMode.TSS_ADDRESS, (tss >>> 16) & 0xff_ffff, "TSS base 23:0");
            assertEquals(0x89, (tss >>> 40) & 0xff, "present, available 64-bit TSS");
            assertEquals(0x68, ram.readShort(LongMode.TSS_ADDRESS + 0x66), "no I/O bitmap");

            assertEquals(LongMode.PDPT_ADDRESS | 3, ram.readLong(LongMode.PML4_ADDRESS));
            assertEquals(0, ram.readLong(LongMode.PML4_ADDRESS + 8));
            assertEquals(LongMode.PD_ADDRESS | 3, ram.readLong(LongMode.PDPT_ADDRESS));
            for (int i = 0; i < 512; i++) {
                assertEquals((long) i << 21 | 0x83, ram.readLong(LongMode.PD_ADDRESS + 8L * i), "PDE " + i);
            }
        }
    }

    @Test
    void registersSwitchOnPagingPaeAndLongModeWith64BitCode() {
        SpecialRegisters.Segment real = new SpecialRegisters.Segment(0xffff0000L, 0xffff, 0xf000, 0xb, true, 0, false,
                true, false, false, false, false);
        SpecialRegisters.Table none = new SpecialRegisters.Table(0, 0xffff);
        SpecialRegisters reset = new SpecialRegisters(real, real, real, real, real, real, real, real, none, none,
                0x6000_0010L, 0, 0, 0, 0, 0, 0xfee0_0900L);
        SpecialRegisters s = LongMode.specialRegisters(reset);
        assertEquals(0x8000_0011L, s.cr0(), "PE | ET | PG, caches on");
        assertEquals(LongMode.CR4_PAE, s.cr4());
        assertEquals(LongMode.EFER_LME | LongMode.EFER_LMA, s.efer());
        assertEquals(LongMode.PML4_ADDRESS, s.cr3());
        assertTrue(s.cs().l());
        assertFalse(s.cs().db(), "64-bit code has D clear");
        assertEquals(LongMode.CODE_SELECTOR, s.cs().selector());
        assertEquals(LongMode.DATA_SELECTOR, s.ss().selector());
        assertEquals(LongMode.TSS_SELECTOR, s.tr().selector());
        assertEquals(new SpecialRegisters.Table(LongMode.GDT_ADDRESS, 39), s.gdt());
        assertEquals(reset.idt(), s.idt());
        assertEquals(reset.apicBase(), s.apicBase());
    }

    @Test
    void ramThatDoesNotCoverTheTablesIsRefused() throws Exception {
        try (GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), 0x4000).build()) {
            assertThrows(GuestMemoryException.class, () -> LongMode.writeTables(ram));
        }
    }
}
