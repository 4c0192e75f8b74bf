/**
 * Booting an x86-64 guest: what a VMM writes into guest RAM before the first KVM_RUN.
 *
 * <ul>
 * <li>{@link org.virtio.kvm.boot.AcpiTables} builds the ACPI tables (RSDP revision 2, XSDT, a
 * hardware-reduced FADT, MADT, and a DSDT describing each virtio-mmio device as {@code LNRO0005}) from
 * an {@link org.virtio.kvm.boot.AcpiConfig} and writes them at given guest addresses.</li>
 * <li>{@link org.virtio.kvm.boot.E820Map} is the guest-physical memory map shared by both boot
 * protocols (the PVH {@code hvm_memmap_table} and the Linux {@code boot_params} e820 table).</li>
 * <li>{@link org.virtio.kvm.boot.PvhLoader} loads an ELF64 kernel with the Xen PVH entry note and
 * writes {@code hvm_start_info}; {@link org.virtio.kvm.boot.PvhEntry} puts a vCPU in the PVH entry
 * state (32-bit protected mode, paging off, ebx = start_info). {@link org.virtio.kvm.boot.ElfImage}
 * is the validating ELF64 parser under it.</li>
 * <li>{@link org.virtio.kvm.boot.BzImageLoader} loads a bzImage through the Linux/x86 boot protocol
 * (setup header, boot_params zero page with the e820 table, command line, initrd) and enters its
 * 64-bit entry.</li>
 * </ul>
 *
 * <p>Kernel images are untrusted input: every malformed field is reported as a
 * {@link org.virtio.kvm.boot.BootException} naming what is wrong ({@link org.virtio.kvm.boot.BootError}).
 */
@Version("0.1.0")
package org.virtio.kvm.boot;

import org.osgi.annotation.versioning.Version;
