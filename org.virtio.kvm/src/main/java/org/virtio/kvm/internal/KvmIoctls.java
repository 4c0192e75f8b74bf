package org.virtio.kvm.internal;

/**
 * The KVM ioctl request numbers, computed as {@code <asm-generic/ioctl.h>} computes them:
 * {@code dir << 30 | size << 16 | type << 8 | nr}, with type {@link #KVMIO} (0xAE) and the size taken
 * from the struct's {@link KvmStructs} layout. {@code KvmIoctlsTest} compares every number with the
 * one gcc computes from {@code <linux/kvm.h>}.
 */
final class KvmIoctls {
    /** The ioctl type byte of every KVM request. */
    static final int KVMIO = 0xAE;

    private static final int IOC_NONE = 0;
    private static final int IOC_WRITE = 1;
    private static final int IOC_READ = 2;
    private static final int NRBITS = 8;
    private static final int TYPEBITS = 8;
    private static final int SIZEBITS = 14;
    private static final int NRSHIFT = 0;
    private static final int TYPESHIFT = NRSHIFT + NRBITS;
    private static final int SIZESHIFT = TYPESHIFT + TYPEBITS;
    private static final int DIRSHIFT = SIZESHIFT + SIZEBITS;

    // system ioctls (on /dev/kvm)
    static final long KVM_GET_API_VERSION = io(0x00);
    static final long KVM_CREATE_VM = io(0x01);
    static final long KVM_CHECK_EXTENSION = io(0x03);
    static final long KVM_GET_VCPU_MMAP_SIZE = io(0x04);
    static final long KVM_GET_MSR_INDEX_LIST = iowr(0x02, KvmStructs.KVM_MSR_LIST.byteSize());
    static final long KVM_GET_SUPPORTED_CPUID = iowr(0x05, KvmStructs.KVM_CPUID2.byteSize());
    // VM ioctls
    static final long KVM_CREATE_VCPU = io(0x41);
    static final long KVM_SET_USER_MEMORY_REGION = iow(0x46, KvmStructs.KVM_USERSPACE_MEMORY_REGION.byteSize());
    static final long KVM_CREATE_IRQCHIP = io(0x60);
    static final long KVM_SET_GSI_ROUTING = iow(0x6a, KvmStructs.KVM_IRQ_ROUTING.byteSize());
    static final long KVM_IRQFD = iow(0x76, KvmStructs.KVM_IRQFD.byteSize());
    static final long KVM_CREATE_PIT2 = iow(0x77, KvmStructs.KVM_PIT_CONFIG.byteSize());
    static final long KVM_IOEVENTFD = iow(0x79, KvmStructs.KVM_IOEVENTFD.byteSize());
    // vCPU ioctls
    static final long KVM_RUN = io(0x80);
    static final long KVM_GET_REGS = ior(0x81, KvmStructs.KVM_REGS.byteSize());
    static final long KVM_SET_REGS = iow(0x82, KvmStructs.KVM_REGS.byteSize());
    static final long KVM_GET_SREGS = ior(0x83, KvmStructs.KVM_SREGS.byteSize());
    static final long KVM_SET_SREGS = iow(0x84, KvmStructs.KVM_SREGS.byteSize());
    static final long KVM_GET_MSRS = iowr(0x88, KvmStructs.KVM_MSRS.byteSize());
    static final long KVM_SET_MSRS = iow(0x89, KvmStructs.KVM_MSRS.byteSize());
    static final long KVM_SET_SIGNAL_MASK = iow(0x8b, KvmStructs.KVM_SIGNAL_MASK.byteSize());
    static final long KVM_SET_CPUID2 = iow(0x90, KvmStructs.KVM_CPUID2.byteSize());

    /** The API version every KVM since Linux 2.6.22 reports. */
    static final int KVM_API_VERSION = 12;

    // KVM_CHECK_EXTENSION capabilities used here
    static final int KVM_CAP_NR_VCPUS = 9;
    static final int KVM_CAP_MAX_VCPUS = 66;

    private KvmIoctls() {
    }

    static long ioc(int dir, int type, int nr, long size) {
        if (size < 0 || size >= 1L << SIZEBITS) {
            throw new IllegalArgumentException("ioctl argument size does not fit 14 bits: " + size);
        }
        return ((long) dir << DIRSHIFT) | (size << SIZESHIFT) | ((long) type << TYPESHIFT) | ((long) nr << NRSHIFT);
    }

    static long io(int nr) {
        return ioc(IOC_NONE, KVMIO, nr, 0);
    }

    static long ior(int nr, long size) {
        return ioc(IOC_READ, KVMIO, nr, size);
    }

    static long iow(int nr, long size) {
        return ioc(IOC_WRITE, KVMIO, nr, size);
    }

    static long iowr(int nr, long size) {
        return ioc(IOC_READ | IOC_WRITE, KVMIO, nr, size);
    }
}
