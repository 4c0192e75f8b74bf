package org.virtio.kvm.boot;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;

import org.virtio.core.memory.Access;
import org.virtio.core.memory.GuestMemory;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.kvm.api.KvmException;
import org.virtio.kvm.api.KvmVcpu;
import org.virtio.kvm.api.LongMode;
import org.virtio.kvm.api.Registers;

/**
 * Loads a bzImage through the Linux/x86 boot protocol's 64-bit entry (Linux
 * {@code Documentation/arch/x86/boot.rst}, {@code arch/x86/include/uapi/asm/bootparam.h}): checks the
 * setup header (boot flag 0xAA55, "HdrS", protocol 2.12 or later, LOADED_HIGH, XLF_KERNEL_64), copies the
 * protected-mode kernel (after the {@code setup_sects + 1} real-mode sectors) to {@link #KERNEL_ADDRESS},
 * and builds the zero page ({@code struct boot_params}) at {@link #ZERO_PAGE_ADDRESS}: the setup header
 * copied from the image with type_of_loader, cmd_line_ptr, ramdisk_image/size filled in, the e820 table,
 * and acpi_rsdp_addr. The kernel is then entered in long mode at {@code KERNEL_ADDRESS + 0x200} with rsi
 * pointing at the zero page ({@link #enter}).
 */
public final class BzImageLoader {
    /** Where the protected-mode kernel goes (1 MiB, the protocol's default for non-relocated loads). */
    public static final long KERNEL_ADDRESS = 0x100000;
    /** The 64-bit entry's offset from the protected-mode kernel's start. */
    public static final long ENTRY_64_OFFSET = 0x200;
    /** Where the zero page (boot_params) goes. */
    public static final long ZERO_PAGE_ADDRESS = 0x7000;
    /** Where the NUL-terminated command line goes. */
    public static final long CMDLINE_ADDRESS = PvhLoader.CMDLINE_ADDRESS;
    /** The initial stack pointer for the 64-bit entry (below the zero page, above the page tables' GDT). */
    public static final long STACK_TOP = 0x8ff0;

    /** boot_flag at 0x1fe. */
    static final int BOOT_FLAG = 0xaa55;
    /** "HdrS" at 0x202. */
    static final int HEADER_MAGIC = 0x53726448;
    /** The oldest protocol with xloadflags (2.12). */
    static final int MIN_PROTOCOL = 0x020c;
    static final int LOADED_HIGH = 1;
    static final int XLF_KERNEL_64 = 1;
    static final int XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;
    /** type_of_loader "undefined" (0xff), as Firecracker and Cloud Hypervisor use. */
    static final int LOADER_UNDEFINED = 0xff;

    static final int ZERO_PAGE_SIZE = 4096;
    static final int OFF_ACPI_RSDP = 0x070;
    static final int OFF_EXT_RAMDISK_IMAGE = 0x0c0;
    static final int OFF_EXT_RAMDISK_SIZE = 0x0c4;
    static final int OFF_EXT_CMD_LINE_PTR = 0x0c8;
    static final int OFF_E820_ENTRIES = 0x1e8;
    static final int OFF_SETUP_SECTS = 0x1f1;
    static final int OFF_BOOT_FLAG = 0x1fe;
    static final int OFF_JUMP = 0x200;
    static final int OFF_HEADER = 0x202;
    static final int OFF_VERSION = 0x206;
    static final int OFF_TYPE_OF_LOADER = 0x210;
    static final int OFF_LOADFLAGS = 0x211;
    static final int OFF_RAMDISK_IMAGE = 0x218;
    static final int OFF_RAMDISK_SIZE = 0x21c;
    static final int OFF_CMD_LINE_PTR = 0x228;
    static final int OFF_INITRD_ADDR_MAX = 0x22c;
    static final int OFF_XLOADFLAGS = 0x236;
    static final int OFF_CMDLINE_SIZE = 0x238;
    static final int OFF_INIT_SIZE = 0x260;
    /** The setup header must end before boot_params' next field (edd_mbr_sig_buffer at 0x290). */
    static final int MAX_HEADER_END = 0x290;
    static final int OFF_E820_TABLE = 0x2d0;
    static final int E820_ENTRY_SIZE = 20;
    private static final long PAGE = 4096;
    private static final long FOUR_GIB = 1L << 32;

    /**
     * What the kernel is told besides its image.
     *
     * @param commandLine the kernel command line (ASCII, no NUL)
     * @param initrd      the initrd image, or an empty array for none
     * @param rsdpAddress the ACPI RSDP's guest address, or 0 to let the kernel scan for it
     * @param memoryMap   the e820 map
     */
    public record Config(String commandLine, byte[] initrd, long rsdpAddress, E820Map memoryMap) {
        /** Checks for nulls. */
        public Config {
            Objects.requireNonNull(commandLine);
            Objects.requireNonNull(initrd);
            Objects.requireNonNull(memoryMap);
        }
    }

    /**
     * Where things went.
     *
     * @param entry           the 64-bit entry (rip)
     * @param zeroPageAddress the boot_params address (rsi)
     * @param kernelEnd       the first address after the kernel's memory (load address + max(image, init_size))
     * @param initrdAddress   where the initrd went, or 0 for none
     * @param protocol        the boot protocol version, e.g. 0x020f
     */
    public record Boot(long entry, long zeroPageAddress, long kernelEnd, long initrdAddress, int protocol) {
    }

    private BzImageLoader() {
    }

    /**
     * @param memory guest RAM starting at 0
     * @param image  the bzImage
     * @param config command line, initrd, RSDP and e820 map
     * @return the entry and zero page, for {@link #enter}
     * @throws BootException when the header is not a 64-bit-capable bzImage or anything does not fit
     */
    public static Boot load(GuestMemory memory, byte[] image, Config config) throws BootException {
        if (image.length < OFF_HEADER + 6) {
            throw new BootException(BootError.BZIMAGE_BAD_HEADER, "image of " + image.length + " bytes has no setup header");
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int bootFlag = Short.toUnsignedInt(b.getShort(OFF_BOOT_FLAG));
        if (bootFlag != BOOT_FLAG) {
            throw new BootException(BootError.BZIMAGE_BAD_HEADER, "boot_flag 0x" + Integer.toHexString(bootFlag));
        }
        if (b.getInt(OFF_HEADER) != HEADER_MAGIC) {
            throw new BootException(BootError.BZIMAGE_BAD_HEADER, "no \"HdrS\" magic at 0x202");
        }
        int headerEnd = OFF_HEADER + Byte.toUnsignedInt(image[OFF_JUMP + 1]);
        if (headerEnd > MAX_HEADER_END || headerEnd > image.length || headerEnd < OFF_INIT_SIZE + 4) {
            throw new BootException(BootError.BZIMAGE_BAD_HEADER, "setup header ends at 0x" + Integer.toHexString(headerEnd)
                    + " (image " + image.length + " bytes)");
        }
        int protocol = Short.toUnsignedInt(b.getShort(OFF_VERSION));
        if (protocol < MIN_PROTOCOL) {
            throw new BootException(BootError.BZIMAGE_BAD_HEADER, "boot protocol " + (protocol >> 8) + "." + (protocol & 0xff)
                    + ", 2.12 or later needed for the 64-bit entry");
        }
        if ((image[OFF_LOADFLAGS] & LOADED_HIGH) == 0) {
            throw new BootException(BootError.BZIMAGE_BAD_HEADER, "loadflags lacks LOADED_HIGH (not a bzImage)");
        }
        int xloadflags = Short.toUnsignedInt(b.getShort(OFF_XLOADFLAGS));
        if ((xloadflags & XLF_KERNEL_64) == 0) {
            throw new BootException(BootError.BZIMAGE_BAD_HEADER, "xloadflags lacks XLF_KERNEL_64 (no 64-bit entry)");
        }
        int setupSects = Byte.toUnsignedInt(image[OFF_SETUP_SECTS]);
        long kernelOffset = (long) ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
        if (kernelOffset >= image.length) {
            throw new BootException(BootError.BZIMAGE_BAD_HEADER, "setup_sects " + setupSects + " leaves no kernel in "
                    + image.length + " bytes");
        }
        long kernelSize = image.length - kernelOffset;
        long initSize = Integer.toUnsignedLong(b.getInt(OFF_INIT_SIZE));
        long kernelEnd = KERNEL_ADDRESS + Math.max(kernelSize, initSize);
        if (!memory.check(KERNEL_ADDRESS, kernelEnd - KERNEL_ADDRESS, Access.WRITE)
                || !config.memoryMap().isRam(KERNEL_ADDRESS, kernelEnd - KERNEL_ADDRESS)) {
            throw new BootException(BootError.BAD_LAYOUT, "kernel needs 0x" + Long.toHexString(kernelEnd - KERNEL_ADDRESS)
                    + " bytes of RAM at 0x" + Long.toHexString(KERNEL_ADDRESS) + " (init_size 0x" + Long.toHexString(initSize) + ")");
        }
        byte[] cmdline = PvhLoader.commandLine(config.commandLine());
        long cmdlineSize = Integer.toUnsignedLong(b.getInt(OFF_CMDLINE_SIZE));
        if (cmdline.length - 1 > cmdlineSize) {
            throw new BootException(BootError.BAD_COMMAND_LINE, (cmdline.length - 1) + " characters, the kernel's cmdline_size is "
                    + cmdlineSize);
        }
        List<E820Map.Entry> map = config.memoryMap().entries();
        if (map.size() > E820Map.MAX_ZERO_PAGE_ENTRIES) {
            throw new BootException(BootError.BAD_LAYOUT, map.size() + " e820 entries, the zero page holds "
                    + E820Map.MAX_ZERO_PAGE_ENTRIES);
        }
        if (!memory.check(ZERO_PAGE_ADDRESS, ZERO_PAGE_SIZE, Access.WRITE)
                || !memory.check(CMDLINE_ADDRESS, cmdline.length, Access.WRITE)) {
            throw new BootException(BootError.BAD_LAYOUT, "zero page or command line outside guest RAM");
        }
        long initrdAddress = 0;
        int initrdSize = config.initrd().length;
        if (initrdSize > 0) {
            long max = Integer.toUnsignedLong(b.getInt(OFF_INITRD_ADDR_MAX));
            long limit = (xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) != 0 ? Long.MAX_VALUE : Math.min(max + 1, FOUR_GIB);
            initrdAddress = config.memoryMap().highestRam(initrdSize, PAGE, limit);
            if (initrdAddress < 0 || initrdAddress < kernelEnd || !memory.check(initrdAddress, initrdSize, Access.WRITE)) {
                throw new BootException(BootError.INITRD_DOES_NOT_FIT, initrdSize + " bytes above the kernel's end 0x"
                        + Long.toHexString(kernelEnd) + " and below 0x" + Long.toHexString(limit));
            }
        }

        ByteBuffer zp = ByteBuffer.allocate(ZERO_PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        zp.put(OFF_SETUP_SECTS, image, OFF_SETUP_SECTS, headerEnd - OFF_SETUP_SECTS);
        zp.put(OFF_TYPE_OF_LOADER, (byte) LOADER_UNDEFINED);
        zp.putInt(OFF_CMD_LINE_PTR, (int) CMDLINE_ADDRESS);
        zp.putInt(OFF_EXT_CMD_LINE_PTR, (int) (CMDLINE_ADDRESS >>> 32));
        zp.putInt(OFF_RAMDISK_IMAGE, (int) initrdAddress);
        zp.putInt(OFF_EXT_RAMDISK_IMAGE, (int) (initrdAddress >>> 32));
        zp.putInt(OFF_RAMDISK_SIZE, initrdSize);
        zp.putInt(OFF_EXT_RAMDISK_SIZE, 0);
        zp.putLong(OFF_ACPI_RSDP, config.rsdpAddress());
        zp.put(OFF_E820_ENTRIES, (byte) map.size());
        for (int i = 0; i < map.size(); i++) {
            E820Map.Entry e = map.get(i);
            int at = OFF_E820_TABLE + i * E820_ENTRY_SIZE;
            zp.putLong(at, e.address()).putLong(at + 8, e.size()).putInt(at + 16, e.type());
        }
        try {
            memory.write(KERNEL_ADDRESS, MemorySegment.ofArray(image), kernelOffset, kernelSize);
            memory.write(ZERO_PAGE_ADDRESS, MemorySegment.ofArray(zp.array()), 0, ZERO_PAGE_SIZE);
            memory.write(CMDLINE_ADDRESS, MemorySegment.ofArray(cmdline), 0, cmdline.length);
            if (initrdSize > 0) {
                memory.write(initrdAddress, MemorySegment.ofArray(config.initrd()), 0, initrdSize);
            }
        } catch (GuestMemoryException e) {
            throw new BootException(BootError.BAD_LAYOUT, "writing guest memory", e);
        }
        return new Boot(KERNEL_ADDRESS + ENTRY_64_OFFSET, ZERO_PAGE_ADDRESS, kernelEnd, initrdAddress, protocol);
    }

    /**
     * Puts the vCPU at the 64-bit entry: long mode with {@link LongMode}'s identity-mapped first GiB
     * (covering the kernel, zero page and command line), interrupts off, rsi = the zero page. The code
     * and data selectors are LongMode's 0x08/0x10, not boot.rst's __BOOT_CS/__BOOT_DS (0x10/0x18): Linux
     * loads its own GDT first thing, and Firecracker enters it the same way.
     *
     * @param vcpu   a vCPU of a VM that is not running
     * @param memory guest RAM mapped into that VM
     * @param boot   what {@link #load} returned
     * @throws KvmException         when KVM refuses the registers
     * @throws GuestMemoryException when guest RAM does not cover the long-mode tables
     */
    public static void enter(KvmVcpu vcpu, GuestMemory memory, Boot boot) throws KvmException, GuestMemoryException {
        LongMode.enter(vcpu, memory, boot.entry(), STACK_TOP);
        vcpu.setRegisters(registers(boot));
    }

    /** @param boot what {@link #load} returned  @return rip at the 64-bit entry, rsi at the zero page */
    public static Registers registers(BzImageLoader.Boot boot) {
        return new Registers(0, 0, 0, 0, boot.zeroPageAddress(), 0, STACK_TOP, 0, 0, 0, 0, 0, 0, 0, 0, 0, boot.entry(),
                Registers.RFLAGS_RESERVED);
    }
}
