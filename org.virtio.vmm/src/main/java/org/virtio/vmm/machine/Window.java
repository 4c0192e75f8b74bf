package org.virtio.vmm.machine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.virtio.core.device.VirtioDevice;
import org.virtio.core.transport.InterruptSink;
import org.virtio.core.transport.VirtioDeviceHost;
import org.virtio.kvm.api.KvmException;
import org.virtio.kvm.devices.MmioBus;
import org.virtio.transport.mmio.api.MmioDeviceWindow;
import org.virtio.transport.mmio.api.MmioRegisters;
import org.virtio.transport.mmio.api.VirtioMmioDevice;
import org.virtio.transport.mmio.kvm.KvmMmioBinding;
import org.virtio.vmm.machine.MachineException.Subject;

/**
 * One virtio-mmio window of a machine: empty (an {@link EmptyWindow} on the bus) or holding a device (a
 * {@link KvmMmioBinding} on the bus), with the device's counters. Changes happen under the machine's lock;
 * swaps under the window's own lock, so a slow quiesce does not block the machine's other calls.
 */
final class Window {
    final MmioDeviceWindow window;
    final EmptyWindow empty;
    /** Set under the machine lock; volatile for {@link #swap}, which runs outside it. */
    volatile KvmMmioBinding binding;
    volatile String name;
    private volatile CountingDevice device;
    private LongAdder[] interrupts;
    private final LongAdder swaps = new LongAdder();

    Window(MmioDeviceWindow window) {
        this.window = window;
        this.empty = new EmptyWindow(window);
    }

    /** Binds the device here (irqfd, an ioeventfd and notifier thread per queue) and puts it on the bus. */
    void plug(Machine m, String deviceName, VirtioDevice dev) throws MachineException {
        LongAdder[] notified = CountingDevice.counters(dev.queueCount());
        LongAdder[] raised = CountingDevice.counters(dev.queueCount());
        CountingDevice counting = new CountingDevice(dev, notified);
        KvmMmioBinding b;
        try {
            b = KvmMmioBinding.bind(m.vm(), window, line -> VirtioMmioDevice.over(
                    sink -> VirtioDeviceHost.create(counting, m.ram(), counted(sink, raised), null,
                            m.name() + "/" + deviceName), line));
        } catch (KvmException | RuntimeException e) {
            throw new MachineException(Subject.DEVICE, deviceName + ": binding it to " + window.kernelCommandLine()
                    + " failed: " + e.getMessage(), e);
        }
        m.mmioBus().unregister(empty);
        m.mmioBus().register(window.base(), window.size(), b);
        this.interrupts = raised;
        this.device = counting;
        this.name = deviceName;
        this.binding = b;
    }

    private static InterruptSink counted(InterruptSink sink, LongAdder[] raised) {
        return new InterruptSink() {
            @Override
            public void usedBuffer(int queue) {
                if (queue >= 0 && queue < raised.length) {
                    raised[queue].increment();
                }
                sink.usedBuffer(queue);
            }

            @Override
            public void configChange() {
                sink.configChange();
            }
        };
    }

    /** Resets the device, releases its binding and puts the empty window back. @return the bare device */
    VirtioDevice unplug(MmioBus bus) {
        KvmMmioBinding b = binding;
        CountingDevice d = device;
        bus.unregister(b);
        bus.register(window.base(), window.size(), empty);
        synchronized (this) {
            binding = null;
            device = null;
            name = null;
        }
        // As a driver writing 0 to Status: the device stops and drops its queue references.
        b.device().write(MmioRegisters.STATUS, 4, 0);
        b.close();
        return d.device();
    }

    /** Swaps the implementation; serialised per window. */
    synchronized SwapResult swap(VirtioDevice replacement) throws MachineException {
        KvmMmioBinding b = binding;
        CountingDevice old = device;
        if (b == null || old == null) {
            throw new MachineException(Subject.DEVICE, "the device left " + window.kernelCommandLine() + " during the swap");
        }
        CountingDevice next = new CountingDevice(replacement, old.notifications());
        long t0 = System.nanoTime();
        try {
            b.device().host().swapDevice(next);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new MachineException(Subject.DEVICE, name + ": the replacement does not fit: " + e.getMessage(), e);
        }
        Duration pause = Duration.ofNanos(System.nanoTime() - t0);
        device = next;
        swaps.increment();
        return new SwapResult(old.device(), pause);
    }

    /** @return the attached device and its counters, or null when empty */
    synchronized AttachedDevice describe() {
        KvmMmioBinding b = binding;
        CountingDevice d = device;
        if (b == null || d == null) {
            return null;
        }
        VirtioDeviceHost host = b.device().host();
        List<QueueCounters> queues = new ArrayList<>();
        LongAdder[] notified = d.notifications();
        for (int q = 0; q < host.queueCount(); q++) {
            queues.add(new QueueCounters(q, host.queueSize(q), host.queueReady(q),
                    q < notified.length ? notified[q].sum() : 0, q < interrupts.length ? interrupts[q].sum() : 0));
        }
        return new AttachedDevice(name, window, d.device(), host.status(), host.needsResetReason(), queues, swaps.sum());
    }

    /** On machine close: stop the binding's threads and eventfds (the VM goes next). */
    void release() {
        KvmMmioBinding b = binding;
        if (b != null) {
            b.close();
        }
    }
}
