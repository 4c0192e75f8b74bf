package org.virtio.kvm.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import org.virtio.kvm.api.Kvm;
import org.virtio.kvm.api.KvmError;
import org.virtio.kvm.api.KvmException;
import org.virtio.kvm.api.KvmVm;

/** The open KVM device: system ioctls on the /dev/kvm descriptor. */
public final class KvmSystem implements Kvm {
    /** Initial room for KVM_GET_SUPPORTED_CPUID entries; doubled on E2BIG. */
    private static final int CPUID_ENTRIES = 128;
    private static final int CPUID_ENTRIES_MAX = 4096;
    private static final int E2BIG = 7;
    /** Sanity bound on KVM_GET_MSR_INDEX_LIST (a few hundred on current kernels). */
    private static final int MSR_INDICES_MAX = 1 << 16;

    private final Path device;
    private final int fd;
    private final int apiVersion;
    private final int vcpuMmapSize;
    private final int maxVcpus;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The KVM_GET_SUPPORTED_CPUID answer (struct kvm_cpuid2 with its entries), fetched on first use. */
    private byte[] supportedCpuid;

    private KvmSystem(Path device, int fd, int apiVersion, int vcpuMmapSize, int maxVcpus) {
        this.device = device;
        this.fd = fd;
        this.apiVersion = apiVersion;
        this.vcpuMmapSize = vcpuMmapSize;
        this.maxVcpus = maxVcpus;
    }

    /**
     * @param device the KVM device file
     * @return the open device, API version checked
     * @throws KvmException naming the device and the reason when it cannot be used
     */
    public static KvmSystem open(Path device) throws KvmException {
        int fd = Libc.openReadWrite(device.toString());
        if (fd < 0) {
            throw openFailure(device, -fd);
        }
        try {
            int version = Libc.ioctlChecked(fd, KvmIoctls.KVM_GET_API_VERSION, 0L, "KVM_GET_API_VERSION on " + device);
            if (version != KvmIoctls.KVM_API_VERSION) {
                throw new KvmException(KvmError.API_VERSION, device + " reports API version " + version);
            }
            int mmapSize = Libc.ioctlChecked(fd, KvmIoctls.KVM_GET_VCPU_MMAP_SIZE, 0L, "KVM_GET_VCPU_MMAP_SIZE");
            if (mmapSize < KvmStructs.KVM_RUN.byteSize()) {
                throw new KvmException(KvmError.API_VERSION, "KVM_GET_VCPU_MMAP_SIZE " + mmapSize
                        + " is smaller than struct kvm_run (" + KvmStructs.KVM_RUN.byteSize() + ")");
            }
            int max = Libc.ioctlChecked(fd, KvmIoctls.KVM_CHECK_EXTENSION, KvmIoctls.KVM_CAP_MAX_VCPUS,
                    "KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPUS)");
            if (max <= 0) {
                max = Libc.ioctlChecked(fd, KvmIoctls.KVM_CHECK_EXTENSION, KvmIoctls.KVM_CAP_NR_VCPUS,
                        "KVM_CHECK_EXTENSION(KVM_CAP_NR_VCPUS)");
            }
            return new KvmSystem(device, fd, version, mmapSize, Math.max(max, 1));
        } catch (KvmException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** @return the exception for open(2) of the device failing with errno */
    static KvmException openFailure(Path device, int errno) {
        String detail = device + ": " + Libc.describe(errno);
        return switch (errno) {
            case Libc.ENOENT -> new KvmException(KvmError.KVM_MISSING, detail, errno);
            case Libc.ENXIO, Libc.ENODEV -> new KvmException(KvmError.KVM_MISSING,
                    detail + " (the device file exists but no KVM driver is behind it)", errno);
            case Libc.EACCES, Libc.EPERM -> new KvmException(KvmError.KVM_ACCESS_DENIED, detail, errno);
            default -> new KvmException(KvmError.KVM_OPEN_FAILED, detail, errno);
        };
    }

    @Override
    public int apiVersion() {
        return apiVersion;
    }

    @Override
    public int vcpuMmapSize() {
        return vcpuMmapSize;
    }

    @Override
    public int maxVcpus() {
        return maxVcpus;
    }

    @Override
    public KvmVm createVm() throws KvmException {
        checkOpen();
        byte[] cpuid = supportedCpuid();
        int vmFd = Libc.ioctlChecked(fd, KvmIoctls.KVM_CREATE_VM, 0L, "KVM_CREATE_VM");
        return new KvmVmImpl(vmFd, vcpuMmapSize, maxVcpus, cpuid);
    }

    @Override
    public int[] msrIndexList() throws KvmException {
        checkOpen();
        try (Arena a = Arena.ofConfined()) {
            // First ask with room for none: KVM answers E2BIG and stores the count it needs.
            MemorySegment probe = a.allocate(KvmStructs.KVM_MSR_LIST);
            MemorySegment state = a.allocate(Libc.CAPTURE);
            int rc = Libc.ioctl(state, fd, KvmIoctls.KVM_GET_MSR_INDEX_LIST, probe);
            if (rc < 0 && Libc.errno(state) != E2BIG) {
                int errno = Libc.errno(state);
                throw new KvmException(KvmError.IOCTL_FAILED, "KVM_GET_MSR_INDEX_LIST: " + Libc.describe(errno), errno);
            }
            int n = probe.get(ValueLayout.JAVA_INT, KvmStructs.MSR_LIST_NMSRS);
            if (n < 0 || n > MSR_INDICES_MAX) {
                throw new KvmException(KvmError.IOCTL_FAILED, "KVM_GET_MSR_INDEX_LIST reports " + n + " MSRs");
            }
            long header = KvmStructs.KVM_MSR_LIST.byteSize();
            MemorySegment list = a.allocate(header + 4L * n, 4);
            list.set(ValueLayout.JAVA_INT, KvmStructs.MSR_LIST_NMSRS, n);
            Libc.ioctlChecked(fd, KvmIoctls.KVM_GET_MSR_INDEX_LIST, list, "KVM_GET_MSR_INDEX_LIST (" + n + " MSRs)");
            int got = Math.min(n, list.get(ValueLayout.JAVA_INT, KvmStructs.MSR_LIST_NMSRS));
            return list.asSlice(header, 4L * got).toArray(ValueLayout.JAVA_INT);
        }
    }

    /** @return struct kvm_cpuid2 with the entries KVM supports on this host */
    private synchronized byte[] supportedCpuid() throws KvmException {
        if (supportedCpuid != null) {
            return supportedCpuid;
        }
        for (int n = CPUID_ENTRIES; n <= CPUID_ENTRIES_MAX; n *= 2) {
            try (Arena a = Arena.ofConfined()) {
                long entries = KvmStructs.KVM_CPUID_ENTRY2.byteSize();
                MemorySegment cpuid = a.allocate(KvmStructs.KVM_CPUID2.byteSize() + n * entries, 8);
                cpuid.set(ValueLayout.JAVA_INT, KvmStructs.CPUID2_NENT, n);
                MemorySegment state = a.allocate(Libc.CAPTURE);
                int rc = Libc.ioctl(state, fd, KvmIoctls.KVM_GET_SUPPORTED_CPUID, cpuid);
                if (rc < 0) {
                    int errno = Libc.errno(state);
                    if (errno == E2BIG) {
                        continue;
                    }
                    throw new KvmException(KvmError.IOCTL_FAILED, "KVM_GET_SUPPORTED_CPUID: " + Libc.describe(errno), errno);
                }
                int nent = cpuid.get(ValueLayout.JAVA_INT, KvmStructs.CPUID2_NENT);
                supportedCpuid = cpuid.asSlice(0, KvmStructs.KVM_CPUID2.byteSize() + nent * entries)
                        .toArray(ValueLayout.JAVA_BYTE);
                return supportedCpuid;
            }
        }
        throw new KvmException(KvmError.IOCTL_FAILED, "KVM_GET_SUPPORTED_CPUID wants more than "
                + CPUID_ENTRIES_MAX + " entries");
    }

    private void checkOpen() throws KvmException {
        if (closed.get()) {
            throw new KvmException(KvmError.INVALID_STATE, device + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Libc.close(fd);
        }
    }

    @Override
    public String toString() {
        return "Kvm[" + device + ", fd " + fd + ", API " + apiVersion + "]";
    }
}
