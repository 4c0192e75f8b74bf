package org.virtio.kvm.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.virtio.kvm.api.KvmError;
import org.virtio.kvm.api.KvmException;
import org.virtio.kvm.api.KvmVcpu;
import org.virtio.kvm.api.Registers;
import org.virtio.kvm.api.SpecialRegisters;

/** A vCPU: its descriptor, its mmapped kvm_run area and the native thread that runs it, if any. */
final class KvmVcpuImpl implements KvmVcpu {
    private static final int CPUID_LEAF_FEATURES = 0x1;
    private static final int CPUID_LEAF_TOPOLOGY = 0xb;
    private static final int CPUID_LEAF_TOPOLOGY_V2 = 0x1f;

    private final KvmVmImpl vm;
    private final int id;
    private final int fd;
    private final MemorySegment runArea;
    private final Object kickLock = new Object();
    /** pthread_t of the thread inside this vCPU's run loop, 0 when none; guarded by kickLock. */
    private long thread;

    private KvmVcpuImpl(KvmVmImpl vm, int id, int fd, MemorySegment runArea) {
        this.vm = vm;
        this.id = id;
        this.fd = fd;
        this.runArea = runArea;
    }

    /**
     * KVM_CREATE_VCPU, mmap of kvm_run, KVM_SET_CPUID2; on failure nothing stays open.
     *
     * @param cpuid struct kvm_cpuid2 as KVM_GET_SUPPORTED_CPUID returned it
     */
    static KvmVcpuImpl create(KvmVmImpl vm, int vmFd, int id, int mmapSize, byte[] cpuid) throws KvmException {
        int fd = Libc.ioctlChecked(vmFd, KvmIoctls.KVM_CREATE_VCPU, id, "KVM_CREATE_VCPU(" + id + ")");
        MemorySegment area = null;
        try {
            area = Libc.mapShared(fd, mmapSize, "the kvm_run area of vCPU " + id);
            setCpuid(fd, id, cpuid);
            return new KvmVcpuImpl(vm, id, fd, area);
        } catch (KvmException | RuntimeException e) {
            if (area != null) {
                Libc.unmap(area);
            }
            Libc.close(fd);
            throw e;
        }
    }

    /** The host's supported CPUID, with this vCPU's APIC ID in leaves 1, 0xB and 0x1F. */
    private static void setCpuid(int fd, int id, byte[] supported) throws KvmException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cpuid = a.allocate(supported.length, 8);
            MemorySegment.copy(supported, 0, cpuid, ValueLayout.JAVA_BYTE, 0, supported.length);
            int nent = cpuid.get(ValueLayout.JAVA_INT, KvmStructs.CPUID2_NENT);
            long entrySize = KvmStructs.KVM_CPUID_ENTRY2.byteSize();
            for (int i = 0; i < nent; i++) {
                long e = KvmStructs.KVM_CPUID2.byteSize() + i * entrySize;
                int function = cpuid.get(ValueLayout.JAVA_INT, e + KvmStructs.CPUID_ENTRY_FUNCTION);
                if (function == CPUID_LEAF_FEATURES) {
                    long ebx = e + KvmStructs.CPUID_ENTRY_EBX;
                    cpuid.set(ValueLayout.JAVA_INT, ebx, (cpuid.get(ValueLayout.JAVA_INT, ebx) & 0x00ff_ffff) | id << 24);
                } else if (function == CPUID_LEAF_TOPOLOGY || function == CPUID_LEAF_TOPOLOGY_V2) {
                    cpuid.set(ValueLayout.JAVA_INT, e + KvmStructs.CPUID_ENTRY_EDX, id);
                }
            }
            Libc.ioctlChecked(fd, KvmIoctls.KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2 on vCPU " + id);
        }
    }

    @Override
    public int id() {
        return id;
    }

    int fd() {
        return fd;
    }

    MemorySegment runArea() {
        return runArea;
    }

    @Override
    public Registers registers() throws KvmException {
        vm.checkIdle("read the registers of vCPU " + id);
        return readRegisters();
    }

    @Override
    public void setRegisters(Registers registers) throws KvmException {
        vm.checkIdle("set the registers of vCPU " + id);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment regs = a.allocate(KvmStructs.KVM_REGS);
            RegisterCodec.writeRegisters(registers, regs);
            Libc.ioctlChecked(fd, KvmIoctls.KVM_SET_REGS, regs, "KVM_SET_REGS on vCPU " + id);
        }
    }

    @Override
    public SpecialRegisters specialRegisters() throws KvmException {
        vm.checkIdle("read the special registers of vCPU " + id);
        return readSpecialRegisters();
    }

    @Override
    public void setSpecialRegisters(SpecialRegisters registers) throws KvmException {
        vm.checkIdle("set the special registers of vCPU " + id);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sregs = a.allocate(KvmStructs.KVM_SREGS);
            Libc.ioctlChecked(fd, KvmIoctls.KVM_GET_SREGS, sregs, "KVM_GET_SREGS on vCPU " + id);
            RegisterCodec.writeSpecialRegisters(registers, sregs);
            Libc.ioctlChecked(fd, KvmIoctls.KVM_SET_SREGS, sregs, "KVM_SET_SREGS on vCPU " + id);
        }
    }

    @Override
    public Map<Integer, Long> getMsrs(int... indices) throws KvmException {
        vm.checkIdle("read the MSRs of vCPU " + id);
        Objects.requireNonNull(indices, "indices");
        int[] distinct = Arrays.stream(indices).distinct().toArray();
        if (distinct.length == 0) {
            throw new KvmException(KvmError.INVALID_ARGUMENT, "KVM_GET_MSRS on vCPU " + id + ": no MSR index given");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msrs = allocateMsrs(a, distinct.length);
            for (int i = 0; i < distinct.length; i++) {
                msrs.set(ValueLayout.JAVA_INT, msrEntry(i) + KvmStructs.MSR_ENTRY_INDEX, distinct[i]);
            }
            int done = Libc.ioctlChecked(fd, KvmIoctls.KVM_GET_MSRS, msrs, "KVM_GET_MSRS on vCPU " + id);
            checkAllMsrs("KVM_GET_MSRS", "read", done, distinct);
            Map<Integer, Long> values = new LinkedHashMap<>();
            for (int i = 0; i < distinct.length; i++) {
                values.put(distinct[i], msrs.get(ValueLayout.JAVA_LONG, msrEntry(i) + KvmStructs.MSR_ENTRY_DATA));
            }
            return Collections.unmodifiableMap(values);
        }
    }

    @Override
    public void setMsrs(Map<Integer, Long> values) throws KvmException {
        vm.checkIdle("set the MSRs of vCPU " + id);
        Objects.requireNonNull(values, "values");
        if (values.isEmpty()) {
            throw new KvmException(KvmError.INVALID_ARGUMENT, "KVM_SET_MSRS on vCPU " + id + ": no MSR given");
        }
        int[] indices = new int[values.size()];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msrs = allocateMsrs(a, values.size());
            int i = 0;
            for (Map.Entry<Integer, Long> e : values.entrySet()) {
                indices[i] = Objects.requireNonNull(e.getKey(), "MSR index");
                msrs.set(ValueLayout.JAVA_INT, msrEntry(i) + KvmStructs.MSR_ENTRY_INDEX, indices[i]);
                msrs.set(ValueLayout.JAVA_LONG, msrEntry(i) + KvmStructs.MSR_ENTRY_DATA,
                        Objects.requireNonNull(e.getValue(), "MSR value"));
                i++;
            }
            int done = Libc.ioctlChecked(fd, KvmIoctls.KVM_SET_MSRS, msrs, "KVM_SET_MSRS on vCPU " + id);
            checkAllMsrs("KVM_SET_MSRS", "set", done, indices);
        }
    }

    /** struct kvm_msrs with room for n entries, nmsrs = n. */
    private static MemorySegment allocateMsrs(Arena a, int n) {
        MemorySegment msrs = a.allocate(KvmStructs.KVM_MSRS.byteSize() + n * KvmStructs.KVM_MSR_ENTRY.byteSize(), 8);
        msrs.set(ValueLayout.JAVA_INT, KvmStructs.MSRS_NMSRS, n);
        return msrs;
    }

    private static long msrEntry(int i) {
        return KvmStructs.KVM_MSRS.byteSize() + i * KvmStructs.KVM_MSR_ENTRY.byteSize();
    }

    /** KVM processes the entries in order and stops at the first it cannot handle, returning the count done. */
    private void checkAllMsrs(String ioctl, String verb, int done, int[] indices) throws KvmException {
        if (done != indices.length) {
            String refused = done >= 0 && done < indices.length ? "0x" + Integer.toHexString(indices[done]) : "?";
            throw new KvmException(KvmError.MSR_REFUSED, ioctl + " on vCPU " + id + " " + verb + " " + done + " of "
                    + indices.length + " MSRs; KVM does not accept MSR " + refused
                    + " (unknown to this KVM, or the value is invalid for it)");
        }
    }

    /** KVM_GET_REGS without the idle check: for the run loop, on its own thread. */
    Registers readRegisters() throws KvmException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment regs = a.allocate(KvmStructs.KVM_REGS);
            Libc.ioctlChecked(fd, KvmIoctls.KVM_GET_REGS, regs, "KVM_GET_REGS on vCPU " + id);
            return RegisterCodec.registers(regs);
        }
    }

    /** KVM_GET_SREGS without the idle check: for the run loop, on its own thread. */
    SpecialRegisters readSpecialRegisters() throws KvmException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sregs = a.allocate(KvmStructs.KVM_SREGS);
            Libc.ioctlChecked(fd, KvmIoctls.KVM_GET_SREGS, sregs, "KVM_GET_SREGS on vCPU " + id);
            return RegisterCodec.specialRegisters(sregs);
        }
    }

    /** Called by the run loop once its thread blocks the kick signal. */
    void publishThread(long pthread) {
        synchronized (kickLock) {
            thread = pthread;
        }
    }

    /** Called by the run loop before its thread ends; after it no kick reaches the thread. */
    void unpublishThread() {
        synchronized (kickLock) {
            thread = 0;
        }
    }

    /** Interrupts KVM_RUN on the thread running this vCPU, if any (see {@link VcpuLoop}). */
    void kick() {
        synchronized (kickLock) {
            if (thread != 0) {
                Libc.pthreadKill(thread, VcpuLoop.KICK_SIGNAL);
            }
        }
    }

    /** Unmaps kvm_run and closes the descriptor; only once no run loop uses this vCPU. */
    void release() {
        Libc.unmap(runArea);
        Libc.close(fd);
    }

    @Override
    public String toString() {
        return "vCPU " + id + " of " + vm;
    }
}
