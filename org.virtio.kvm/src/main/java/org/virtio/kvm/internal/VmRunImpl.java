package org.virtio.kvm.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.virtio.kvm.api.MmioHandler;
import org.virtio.kvm.api.PortIoHandler;
import org.virtio.kvm.api.VcpuStop;
import org.virtio.kvm.api.VmRun;

/** One run of a VM: a platform thread per vCPU, each in a {@link VcpuLoop}. */
final class VmRunImpl implements VmRun {
    private static final Logger LOG = System.getLogger(VmRunImpl.class.getName());

    private final String vmName;
    private final List<KvmVcpuImpl> vcpus;
    private final PortIoHandler pio;
    private final MmioHandler mmio;
    private final CountDownLatch ended;
    private final List<VcpuStop> stops = new ArrayList<>();
    private volatile boolean stopRequested;

    VmRunImpl(String vmName, List<KvmVcpuImpl> vcpus, PortIoHandler pio, MmioHandler mmio) {
        this.vmName = vmName;
        this.vcpus = vcpus;
        this.pio = pio;
        this.mmio = mmio;
        this.ended = new CountDownLatch(vcpus.size());
    }

    void start() {
        for (KvmVcpuImpl vcpu : vcpus) {
            try {
                // Platform threads: KVM_RUN blocks in native code for as long as the guest runs. Daemon, so
                // a VM nobody stopped does not keep the JVM alive.
                Thread.ofPlatform().name(vmName + "-vcpu" + vcpu.id()).daemon(true)
                        .start(new VcpuLoop(this, vcpu, pio, mmio));
            } catch (RuntimeException | OutOfMemoryError e) {
                ended(new VcpuStop(vcpu.id(), VcpuStop.Reason.RUN_FAILED, "vCPU " + vcpu.id()
                        + ": its thread could not be started: " + e), vcpu);
            }
        }
    }

    boolean stopRequested() {
        return stopRequested;
    }

    @Override
    public void stop() {
        stopRequested = true;
        for (KvmVcpuImpl vcpu : vcpus) {
            vcpu.kick();
        }
    }

    /** Called once per vCPU as its loop ends; anything but a HLT stops the whole VM. */
    void ended(VcpuStop stop, KvmVcpuImpl vcpu) {
        synchronized (stops) {
            stops.add(stop);
        }
        if (stop.failed()) {
            LOG.log(Level.WARNING, "{0}: {1}", vmName, stop.message());
        }
        if (stop.reason() != VcpuStop.Reason.HALTED) {
            stop();
        }
        ended.countDown();
    }

    @Override
    public boolean isRunning() {
        return ended.getCount() > 0;
    }

    @Override
    public Optional<VcpuStop> await(Duration timeout) throws InterruptedException {
        if (!ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return Optional.empty();
        }
        synchronized (stops) {
            for (VcpuStop s : stops) {
                if (s.reason() != VcpuStop.Reason.HALTED) {
                    return Optional.of(s);
                }
            }
            return Optional.of(stops.getLast());
        }
    }

    @Override
    public List<VcpuStop> vcpuStops() {
        synchronized (stops) {
            return List.copyOf(stops);
        }
    }

    @Override
    public String toString() {
        return vmName + (isRunning() ? " running" : " stopped");
    }
}
