package org.virtio.kvm.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.virtio.core.memory.GuestMemory;
import org.virtio.core.memory.MemoryRegion;
import org.virtio.kvm.api.EventFd;
import org.virtio.kvm.api.GsiRoute;
import org.virtio.kvm.api.KvmError;
import org.virtio.kvm.api.KvmException;
import org.virtio.kvm.api.KvmVcpu;
import org.virtio.kvm.api.KvmVm;
import org.virtio.kvm.api.MemorySlot;
import org.virtio.kvm.api.MmioHandler;
import org.virtio.kvm.api.PortIoHandler;
import org.virtio.kvm.api.VmRun;

/** A VM descriptor and everything created from it: slots, vCPUs, eventfds, the current run. */
final class KvmVmImpl implements KvmVm {
    private static final Logger LOG = System.getLogger(KvmVmImpl.class.getName());
    private static final long PAGE = 4096;
    private static final long MAX_PORT = 0xffff;
    /** How long close() waits for the vCPU threads to leave KVM_RUN after a stop. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final int fd;
    private final int mmapSize;
    private final int maxVcpus;
    private final byte[] cpuid;
    private final String name;
    private final List<MemorySlot> slots = new ArrayList<>();
    private final List<KvmVcpuImpl> vcpus = new ArrayList<>();
    private final Set<EventFdImpl> eventFds = new LinkedHashSet<>();
    private boolean irqchip;
    /** The table last set with KVM_SET_GSI_ROUTING; null while the kernel's default is in force. */
    private List<GsiRoute> routing;
    private boolean closed;
    private VmRunImpl run;

    KvmVmImpl(int fd, int mmapSize, int maxVcpus, byte[] cpuid) {
        this.fd = fd;
        this.mmapSize = mmapSize;
        this.maxVcpus = maxVcpus;
        this.cpuid = cpuid;
        this.name = "kvm-vm" + fd;
    }

    String name() {
        return name;
    }

    @Override
    public synchronized List<MemorySlot> mapMemory(GuestMemory memory) throws KvmException {
        List<MemorySlot> mapped = new ArrayList<>();
        for (MemoryRegion region : memory.regions()) {
            mapped.add(mapRegion(region));
        }
        return List.copyOf(mapped);
    }

    @Override
    public synchronized MemorySlot mapRegion(MemoryRegion region) throws KvmException {
        checkOpen();
        MemorySegment host = region.segment();
        long gpa = region.start().value();
        if (!host.isNative()) {
            throw new KvmException(KvmError.INVALID_ARGUMENT, "region " + region + " is heap memory; KVM maps native memory only");
        }
        if (host.address() % PAGE != 0 || region.size() % PAGE != 0 || gpa % PAGE != 0) {
            throw new KvmException(KvmError.INVALID_ARGUMENT, "region " + region + " at host 0x"
                    + Long.toHexString(host.address()) + " is not page-aligned in host address, guest address and size");
        }
        int slot = slots.size();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = a.allocate(KvmStructs.KVM_USERSPACE_MEMORY_REGION);
            r.set(ValueLayout.JAVA_INT, KvmStructs.REGION_SLOT, slot);
            r.set(ValueLayout.JAVA_INT, KvmStructs.REGION_FLAGS, region.readOnly() ? KvmStructs.KVM_MEM_READONLY : 0);
            r.set(ValueLayout.JAVA_LONG, KvmStructs.REGION_GUEST_PHYS_ADDR, gpa);
            r.set(ValueLayout.JAVA_LONG, KvmStructs.REGION_MEMORY_SIZE, region.size());
            r.set(ValueLayout.JAVA_LONG, KvmStructs.REGION_USERSPACE_ADDR, host.address());
            Libc.ioctlChecked(fd, KvmIoctls.KVM_SET_USER_MEMORY_REGION, r, "KVM_SET_USER_MEMORY_REGION slot " + slot
                    + " for " + region + (region.readOnly() ? " (read-only)" : ""));
        }
        MemorySlot mapped = new MemorySlot(slot, region.start(), region.size(), region.readOnly());
        slots.add(mapped);
        return mapped;
    }

    @Override
    public synchronized List<MemorySlot> memorySlots() {
        return List.copyOf(slots);
    }

    @Override
    public synchronized void createIrqchip() throws KvmException {
        checkOpen();
        if (!vcpus.isEmpty()) {
            throw new KvmException(KvmError.INVALID_STATE, name + ": create the irqchip before the vCPUs");
        }
        Libc.ioctlChecked(fd, KvmIoctls.KVM_CREATE_IRQCHIP, 0L, "KVM_CREATE_IRQCHIP");
        irqchip = true;
    }

    @Override
    public synchronized void createPit() throws KvmException {
        checkOpen();
        if (!irqchip) {
            throw new KvmException(KvmError.INVALID_STATE, name + ": KVM_CREATE_PIT2 needs the in-kernel irqchip first");
        }
        try (Arena a = Arena.ofConfined()) {
            Libc.ioctlChecked(fd, KvmIoctls.KVM_CREATE_PIT2, a.allocate(KvmStructs.KVM_PIT_CONFIG), "KVM_CREATE_PIT2");
        }
    }

    @Override
    public synchronized void setGsiRouting(List<GsiRoute> routes) throws KvmException {
        checkOpen();
        if (!irqchip) {
            throw new KvmException(KvmError.INVALID_STATE, name + ": KVM_SET_GSI_ROUTING needs the in-kernel irqchip first");
        }
        List<GsiRoute> copy = new ArrayList<>(Objects.requireNonNull(routes, "routes"));
        GsiRoutingTable.check(copy);
        List<GsiRoute> table = List.copyOf(copy);
        try (Arena a = Arena.ofConfined()) {
            Libc.ioctlChecked(fd, KvmIoctls.KVM_SET_GSI_ROUTING, GsiRoutingTable.encode(table, a),
                    "KVM_SET_GSI_ROUTING with " + table.size() + " entries");
        }
        routing = table;
    }

    @Override
    public synchronized List<GsiRoute> gsiRouting() {
        if (!irqchip) {
            return List.of();
        }
        return routing != null ? routing : List.copyOf(GsiRoute.defaultRouting());
    }

    @Override
    public EventFd ioEventFd(IoSpace space, long address, int length) throws KvmException {
        return ioEventFd(space, address, length, false, 0);
    }

    @Override
    public EventFd ioEventFd(IoSpace space, long address, int length, long datamatch) throws KvmException {
        return ioEventFd(space, address, length, true, datamatch);
    }

    private synchronized EventFd ioEventFd(IoSpace space, long address, int length, boolean match, long datamatch)
            throws KvmException {
        checkOpen();
        boolean anyLength = length == 0 && space == IoSpace.MMIO && !match;
        if (!anyLength && length != 1 && length != 2 && length != 4 && length != 8) {
            throw new KvmException(KvmError.INVALID_ARGUMENT, "ioeventfd length must be 1, 2, 4 or 8"
                    + " (or 0 for any length, MMIO without datamatch only): " + length);
        }
        if (space == IoSpace.PIO && (address < 0 || address > MAX_PORT)) {
            throw new KvmException(KvmError.INVALID_ARGUMENT, "I/O port out of range: 0x" + Long.toHexString(address));
        }
        String what = "ioeventfd on " + space + " 0x" + Long.toHexString(address) + "/" + length
                + (match ? " == 0x" + Long.toHexString(datamatch) : "");
        int efd = Libc.eventfd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(KvmStructs.KVM_IOEVENTFD);
            s.set(ValueLayout.JAVA_LONG, KvmStructs.IOEVENTFD_DATAMATCH, datamatch);
            s.set(ValueLayout.JAVA_LONG, KvmStructs.IOEVENTFD_ADDR, address);
            s.set(ValueLayout.JAVA_INT, KvmStructs.IOEVENTFD_LEN, length);
            s.set(ValueLayout.JAVA_INT, KvmStructs.IOEVENTFD_FD, efd);
            s.set(ValueLayout.JAVA_INT, KvmStructs.IOEVENTFD_FLAGS,
                    (space == IoSpace.PIO ? KvmStructs.KVM_IOEVENTFD_FLAG_PIO : 0)
                            | (match ? KvmStructs.KVM_IOEVENTFD_FLAG_DATAMATCH : 0));
            Libc.ioctlChecked(fd, KvmIoctls.KVM_IOEVENTFD, s, "KVM_IOEVENTFD for " + what);
            EventFdImpl e = new EventFdImpl(this, efd, what, KvmIoctls.KVM_IOEVENTFD, s, KvmStructs.IOEVENTFD_FLAGS,
                    KvmStructs.KVM_IOEVENTFD_FLAG_DEASSIGN);
            eventFds.add(e);
            return e;
        } catch (KvmException | RuntimeException e) {
            Libc.close(efd);
            throw e;
        }
    }

    @Override
    public synchronized EventFd irqFd(int gsi) throws KvmException {
        checkOpen();
        if (!irqchip) {
            throw new KvmException(KvmError.INVALID_STATE, name + ": KVM_IRQFD needs the in-kernel irqchip first");
        }
        if (gsi < 0) {
            throw new KvmException(KvmError.INVALID_ARGUMENT, "negative GSI " + gsi);
        }
        String what = "irqfd for GSI " + gsi;
        int efd = Libc.eventfd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(KvmStructs.KVM_IRQFD);
            s.set(ValueLayout.JAVA_INT, KvmStructs.IRQFD_FD, efd);
            s.set(ValueLayout.JAVA_INT, KvmStructs.IRQFD_GSI, gsi);
            Libc.ioctlChecked(fd, KvmIoctls.KVM_IRQFD, s, "KVM_IRQFD for GSI " + gsi);
            EventFdImpl e = new EventFdImpl(this, efd, what, KvmIoctls.KVM_IRQFD, s, KvmStructs.IRQFD_FLAGS,
                    KvmStructs.KVM_IRQFD_FLAG_DEASSIGN);
            eventFds.add(e);
            return e;
        } catch (KvmException | RuntimeException e) {
            Libc.close(efd);
            throw e;
        }
    }

    @Override
    public synchronized KvmVcpu createVcpu(int id) throws KvmException {
        checkIdle("create a vCPU");
        if (id < 0 || id >= maxVcpus) {
            throw new KvmException(KvmError.INVALID_ARGUMENT, "vCPU id " + id + " outside 0.." + (maxVcpus - 1)
                    + " (KVM_CAP_MAX_VCPUS on this host)");
        }
        KvmVcpuImpl vcpu = KvmVcpuImpl.create(this, fd, id, mmapSize, cpuid);
        vcpus.add(vcpu);
        return vcpu;
    }

    @Override
    public synchronized List<KvmVcpu> vcpus() {
        return List.copyOf(vcpus);
    }

    @Override
    public synchronized VmRun start(PortIoHandler pio, MmioHandler mmio) throws KvmException {
        checkIdle("start");
        if (vcpus.isEmpty()) {
            throw new KvmException(KvmError.INVALID_STATE, name + " has no vCPU to run");
        }
        run = new VmRunImpl(name, List.copyOf(vcpus), Objects.requireNonNull(pio),
                Objects.requireNonNull(mmio));
        run.start();
        return run;
    }

    /** Throws unless the VM is open and no run of it is going on. */
    synchronized void checkIdle(String action) throws KvmException {
        checkOpen();
        if (run != null && run.isRunning()) {
            throw new KvmException(KvmError.INVALID_STATE, "cannot " + action + " while " + name + " runs");
        }
    }

    private void checkOpen() throws KvmException {
        if (closed) {
            throw new KvmException(KvmError.INVALID_STATE, name + " is closed");
        }
    }

    synchronized void forget(EventFdImpl e) {
        eventFds.remove(e);
    }

    /** An ioctl on the VM descriptor, skipped once the VM is closed (the descriptor number may be reused). */
    synchronized void ioctlUnlessClosed(long request, MemorySegment arg, String what) throws KvmException {
        if (!closed) {
            Libc.ioctlChecked(fd, request, arg, what);
        }
    }

    @Override
    public void close() {
        VmRunImpl current;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            current = run;
        }
        // Outside the lock: a handler on a vCPU thread may be calling into this VM right now.
        boolean stopped = true;
        if (current != null && current.isRunning()) {
            current.stop();
            try {
                stopped = current.await(CLOSE_WAIT).isPresent();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = !current.isRunning();
            }
        }
        synchronized (this) {
            for (EventFdImpl e : List.copyOf(eventFds)) {
                e.closeWithVm();
            }
            eventFds.clear();
            if (stopped) {
                for (KvmVcpuImpl v : vcpus) {
                    v.release();
                }
                Libc.close(fd);
            } else {
                // A vCPU thread still in KVM_RUN would touch its kvm_run area on return: unmapping it would
                // crash the JVM. Leak the vCPUs and the VM descriptor instead, and say so.
                LOG.log(Level.ERROR, "{0}: vCPU threads did not stop within {1}; leaving the VM descriptor and "
                        + "{2} vCPU mappings open", name, CLOSE_WAIT, vcpus.size());
            }
            vcpus.clear();
            slots.clear();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
