package org.virtio.transport.mmio.kvm;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

import org.virtio.kvm.api.EventFd;
import org.virtio.kvm.api.KvmException;
import org.virtio.kvm.api.KvmVm;
import org.virtio.kvm.api.MmioHandler;
import org.virtio.transport.mmio.api.InterruptTrigger;
import org.virtio.transport.mmio.api.MmioDeviceWindow;
import org.virtio.transport.mmio.api.MmioRegisters;
import org.virtio.transport.mmio.api.VirtioMmioDevice;

/**
 * One virtio-mmio window in a KVM VM:
 * <ul>
 * <li><b>Registers</b>: this binding is the {@link MmioHandler} for the window's range (directly, or
 * through an {@link org.virtio.kvm.devices.MmioBus}); accesses exit to the vCPU thread and go to the register file.</li>
 * <li><b>QueueNotify</b>: one ioeventfd per queue on {@code base + 0x050}, 4 bytes, datamatch = the queue
 * index, so a notification signals the eventfd in the kernel and causes no exit. One platform thread per
 * queue waits on its eventfd and calls {@code host.notifyQueue(q)}; the device then serves the queue on
 * that thread. Platform, not virtual, threads: the wait is poll(2) in native code through FFM, which
 * pins a virtual thread's carrier, so virtual threads would only hide a pool of pinned carriers. A write
 * that matches no eventfd (a queue index out of range, VIRTIO_F_NOTIFICATION_DATA values) still exits
 * and reaches the register file, which handles it the same way.</li>
 * <li><b>Interrupt</b>: the {@link InterruptTrigger} signals an irqfd on GSI {@code window.irq()}: an
 * edge-style pulse per event (KVM_IRQFD without a resample fd). The level semantics the driver relies on
 * come from InterruptStatus, which stays set until InterruptACK; each new event pulses again, so an
 * event arriving while the guest's handler runs raises another interrupt. The VM needs its in-kernel
 * irqchip ({@link KvmVm#createIrqchip()}) first.</li>
 * </ul>
 * {@link #close()} stops the threads and unregisters the eventfds; the device host is not reset.
 */
public final class KvmMmioBinding implements MmioHandler, AutoCloseable {
    private static final Logger LOG = System.getLogger(KvmMmioBinding.class.getName());
    /** How often notifier threads look at the closed flag while no notification comes. */
    private static final Duration POLL = Duration.ofMillis(100);

    private final MmioDeviceWindow window;
    private final VirtioMmioDevice device;
    private final EventFd irq;
    private final List<EventFd> notifiers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    private KvmMmioBinding(MmioDeviceWindow window, EventFd irq, Function<InterruptTrigger, VirtioMmioDevice> factory) {
        this.window = window;
        this.irq = irq;
        this.device = Objects.requireNonNull(factory.apply(this::raise), "device");
    }

    /**
     * Binds a device to a window: the irqfd first (the device is made with it as its line), then one
     * ioeventfd and notifier thread per queue.
     *
     * @param vm      the VM, with its in-kernel irqchip created
     * @param window  where the device sits and its GSI
     * @param factory makes the register file, given the window's interrupt line, e.g.
     *                {@code line -> VirtioMmioDevice.create(dev, ram, null, "vm1/blk0", line)}
     * @return the binding; pass it (or an {@link org.virtio.kvm.devices.MmioBus} holding it) to {@link KvmVm#start}
     * @throws KvmException when KVM refuses an eventfd; whatever was registered is released
     */
    public static KvmMmioBinding bind(KvmVm vm, MmioDeviceWindow window, Function<InterruptTrigger, VirtioMmioDevice> factory)
            throws KvmException {
        EventFd irq = vm.irqFd(window.irq());
        KvmMmioBinding b;
        try {
            b = new KvmMmioBinding(window, irq, factory);
        } catch (RuntimeException e) {
            irq.close();
            throw e;
        }
        try {
            int queues = b.device.host().queueCount();
            for (int q = 0; q < queues; q++) {
                b.notifiers.add(vm.ioEventFd(KvmVm.IoSpace.MMIO, window.base() + MmioRegisters.QUEUE_NOTIFY, 4, q));
            }
        } catch (KvmException | RuntimeException e) {
            b.close();
            throw e;
        }
        for (int q = 0; q < b.notifiers.size(); q++) {
            int queue = q;
            Thread t = Thread.ofPlatform().daemon().name(b.device.host().name() + "-notify-q" + q)
                    .unstarted(() -> b.serve(queue));
            b.threads.add(t);
            t.start();
        }
        return b;
    }

    /** @return the window */
    public MmioDeviceWindow window() {
        return window;
    }

    /** @return the register file */
    public VirtioMmioDevice device() {
        return device;
    }

    private void raise() {
        if (closed) {
            return;
        }
        try {
            irq.signal();
        } catch (KvmException e) {
            LOG.log(Level.WARNING, "{0}: irqfd signal for GSI {1} failed: {2}", device.host().name(), window.irq(),
                    e.getMessage());
        }
    }

    private void serve(int queue) {
        EventFd fd = notifiers.get(queue);
        while (!closed) {
            try {
                if (fd.await(POLL) != 0) {
                    device.host().notifyQueue(queue);
                }
            } catch (KvmException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "{0}: notifier for queue {1} stopped: {2}", device.host().name(), queue,
                            e.getMessage());
                }
                return;
            } catch (RuntimeException e) {
                // A device bug must not end the queue: log it, keep serving (the device sets NEEDS_RESET itself).
                LOG.log(Level.ERROR, "{0}: queue {1} notification failed", device.host().name(), queue, e);
            }
        }
    }

    /** An access inside the window goes to the register file; outside it reads 0 and is dropped. */
    @Override
    public long read(long address, int length) {
        if (!window.contains(address)) {
            return 0;
        }
        return device.read((int) (address - window.base()), length);
    }

    @Override
    public void write(long address, int length, long value) {
        if (window.contains(address)) {
            device.write((int) (address - window.base()), length, value);
        }
    }

    /** Stops the notifier threads (bounded wait), unregisters and closes every eventfd. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            try {
                t.join(POLL.toMillis() * 5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (EventFd fd : notifiers) {
            fd.close();
        }
        irq.close();
    }
}
