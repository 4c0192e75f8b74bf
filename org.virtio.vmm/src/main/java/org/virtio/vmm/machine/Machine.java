package org.virtio.vmm.machine;

import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.virtio.core.device.VirtioDevice;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.GuestRam;
import org.virtio.kvm.api.BootMsrs;
import org.virtio.kvm.api.Kvm;
import org.virtio.kvm.api.KvmError;
import org.virtio.kvm.api.KvmException;
import org.virtio.kvm.api.KvmVcpu;
import org.virtio.kvm.api.KvmVm;
import org.virtio.kvm.api.VcpuStop;
import org.virtio.kvm.api.VmRun;
import org.virtio.kvm.boot.AcpiConfig;
import org.virtio.kvm.boot.AcpiTables;
import org.virtio.kvm.boot.BootException;
import org.virtio.kvm.boot.BzImageLoader;
import org.virtio.kvm.boot.E820Map;
import org.virtio.kvm.boot.MmioDeviceDescription;
import org.virtio.kvm.boot.PvhEntry;
import org.virtio.kvm.boot.PvhLoader;
import org.virtio.kvm.devices.Cmos;
import org.virtio.kvm.devices.I8042;
import org.virtio.kvm.devices.InterruptLine;
import org.virtio.kvm.devices.MmioBus;
import org.virtio.kvm.devices.PortIoBus;
import org.virtio.kvm.devices.Serial16550;
import org.virtio.transport.mmio.api.MmioDeviceWindow;
import org.virtio.vmm.machine.MachineException.Subject;

/**
 * One x86-64 KVM guest: memfd guest RAM from address 0, the in-kernel irqchip and PIT, a 16550 at 0x3f8
 * (IRQ 4) writing to the console stream, an i8042 whose reset command (0xFE on port 0x64) ends the run
 * with {@link MachineExit.Kind#RESET}, a CMOS/RTC, ACPI tables, and virtio-mmio windows (VirtIO 1.3 §4.2)
 * from {@value #MMIO_BASE_HEX} in steps of 0x1000 with GSIs from {@value #FIRST_IRQ} up: first one per
 * device given to the builder, in order, then {@link Builder#hotplugSlots spare} ones. Each window is
 * described to the guest twice, as Firecracker and ACPI-only Linux configurations expect: a
 * {@code virtio_mmio.device=512@0x…:irq} argument appended to the command line, and an {@code LNRO0005}
 * device in the DSDT. A spare window reads DeviceID 0, the placeholder §4.2.2 tells drivers to ignore;
 * {@link #attach} puts a device there while the guest runs (Linux must then probe the window again: see
 * the bundle README). The kernel is told apart by its magic: ELF (booted through PVH) or bzImage.
 *
 * <p>Life: {@link #start()} → {@link #pause()} / {@link #resume()} → the guest resets, fails, or
 * {@link #stop()}; then {@link #close()} releases everything the builder acquired, in reverse order.
 * Thread-safe: lifecycle, device and query methods may be called from any thread.
 */
public final class Machine implements AutoCloseable {
    /** The first virtio-mmio window; guest RAM must end below it. */
    public static final long MMIO_BASE = 0xd000_0000L;
    static final String MMIO_BASE_HEX = "0xd0000000";
    /** The distance between windows. */
    public static final long MMIO_STEP = 0x1000;
    /** The first window's GSI; 4 is the UART's. */
    public static final int FIRST_IRQ = 5;
    /** The last GSI the in-kernel IOAPIC has. */
    public static final int LAST_IRQ = 23;
    /** The most virtio-mmio windows (devices plus spare) one machine gets. */
    public static final int MAX_WINDOWS = LAST_IRQ - FIRST_IRQ + 1;
    /** The most guest RAM: it must end below {@link #MMIO_BASE}. */
    public static final int MAX_MEMORY_MIB = (int) (MMIO_BASE >> 20);

    private static final System.Logger LOG = System.getLogger(Machine.class.getName());
    private static final Pattern DEVICE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** The longest wait for the vCPUs to leave the guest on pause or stop (they take ~1 ms here). */
    private static final Duration VCPU_STOP_WAIT = Duration.ofSeconds(10);

    private final String name;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final Object lock = new Object();
    private final List<Window> windows = new ArrayList<>();
    private final Consumer<MachineExit> exitListener;
    private GuestRam ram;
    private KvmVm vm;
    private PortIoBus pio;
    private MmioBus mmio;
    private CountingIo io;
    private Serial16550 serial;
    private String commandLine;

    private MachineState state = MachineState.CREATED;
    private VmRun run;
    private boolean pausing;
    private boolean resetRequested;
    private boolean stopRequested;
    private MachineExit exit;

    private Machine(Builder b) {
        this.name = b.name;
        this.exitListener = b.exitListener;
    }

    /**
     * @param name the machine's name, in thread names and log lines
     * @return a builder with 64 MiB, 1 vCPU, no devices, no spare windows, the console discarded
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Collects the machine's settings; {@link #build()} acquires everything. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private int memoryMib = 64;
        private int vcpus = 1;
        private Path kernel;
        private Path initrd;
        private String commandLine = "";
        private final Map<String, VirtioDevice> devices = new LinkedHashMap<>();
        private int hotplugSlots;
        private OutputStream console = OutputStream.nullOutputStream();
        private Path kvmDevice = Kvm.DEVICE;
        private Consumer<MachineExit> exitListener = e -> {
        };

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** @param mib guest RAM in MiB, 1 to {@link #MAX_MEMORY_MIB}  @return this */
        public Builder memoryMib(int mib) {
            this.memoryMib = mib;
            return this;
        }

        /** @param count vCPUs, 1 to the host's KVM limit  @return this */
        public Builder vcpus(int count) {
            this.vcpus = count;
            return this;
        }

        /** @param path kernel image: ELF with a PVH note, or bzImage; required  @return this */
        public Builder kernel(Path path) {
            this.kernel = path;
            return this;
        }

        /** @param path initrd, or null for none  @return this */
        public Builder initrd(Path path) {
            this.initrd = path;
            return this;
        }

        /** @param line the kernel command line; the windows' virtio_mmio.device= arguments are appended  @return this */
        public Builder commandLine(String line) {
            this.commandLine = line == null ? "" : line;
            return this;
        }

        /**
         * Adds a device in the next window.
         *
         * @param deviceName unique name: 1-64 letters, digits, '.', '_', '-'
         * @param device     a new, unused device instance; the machine does not close it
         * @return this
         */
        public Builder device(String deviceName, VirtioDevice device) {
            devices.put(deviceName, Objects.requireNonNull(device, "device"));
            return this;
        }

        /** @param count spare windows after the devices, for {@link Machine#attach}  @return this */
        public Builder hotplugSlots(int count) {
            this.hotplugSlots = count;
            return this;
        }

        /** @param out where the 16550's output goes (called on vCPU threads)  @return this */
        public Builder console(OutputStream out) {
            this.console = Objects.requireNonNull(out, "console");
            return this;
        }

        /** @param device another KVM device file (tests)  @return this */
        public Builder kvmDevice(Path device) {
            this.kvmDevice = Objects.requireNonNull(device, "kvmDevice");
            return this;
        }

        /** @param listener told once, on a machine thread, how the run ended (not for {@link Machine#close()} alone)  @return this */
        public Builder onExit(Consumer<MachineExit> listener) {
            this.exitListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Builds the machine, ready to {@link Machine#start()}: opens KVM, allocates RAM, creates the VM,
         * its devices and vCPUs, loads the kernel. On failure everything acquired so far is released.
         *
         * @return the machine
         * @throws MachineException naming the input that failed ({@link MachineException#subject()})
         */
        public Machine build() throws MachineException {
            Machine m = new Machine(this);
            try {
                m.build(this);
                return m;
            } catch (MachineException | RuntimeException | Error e) {
                m.release(); // not close(): a machine that never existed has no exit to report
                throw e;
            }
        }
    }

    private void build(Builder b) throws MachineException {
        if (b.kernel == null) {
            throw new MachineException(Subject.KERNEL, "no kernel image given");
        }
        if (b.memoryMib < 1 || b.memoryMib > MAX_MEMORY_MIB) {
            throw new MachineException(Subject.MEMORY, b.memoryMib + " MiB is out of range: 1 to " + MAX_MEMORY_MIB
                    + " (RAM must end below the virtio-mmio windows at " + MMIO_BASE_HEX + ")");
        }
        if (b.vcpus < 1) {
            throw new MachineException(Subject.VCPUS, "must be at least 1, got " + b.vcpus);
        }
        if (b.hotplugSlots < 0 || b.devices.size() + (long) b.hotplugSlots > MAX_WINDOWS) {
            throw new MachineException(Subject.DEVICE, b.devices.size() + " devices and " + b.hotplugSlots
                    + " spare windows do not fit the " + MAX_WINDOWS + " windows (GSIs " + FIRST_IRQ + "-" + LAST_IRQ + ")");
        }
        for (String n : b.devices.keySet()) {
            checkDeviceName(n);
        }
        byte[] kernel = KernelImage.read(b.kernel, Subject.KERNEL);
        byte[] initrd = b.initrd != null ? KernelImage.read(b.initrd, Subject.INITRD) : new byte[0];
        KernelImage.Kind kind = KernelImage.Kind.of(kernel);
        if (kind == KernelImage.Kind.UNKNOWN) {
            throw new MachineException(Subject.KERNEL, b.kernel
                    + " is neither an ELF kernel (booted through PVH) nor a bzImage (no \\x7fELF or HdrS magic)");
        }
        try {
            Kvm kvm = Kvm.open(b.kvmDevice);
            resources.push(kvm);
            if (b.vcpus > kvm.maxVcpus()) {
                throw new MachineException(Subject.VCPUS, b.vcpus + " exceeds this host's KVM limit of " + kvm.maxVcpus() + " vCPUs");
            }
            try {
                ram = GuestRam.builder().memfd(name + "-ram", GuestAddress.of(0), (long) b.memoryMib << 20).build();
            } catch (IllegalStateException e) {
                throw new MachineException(Subject.MEMORY, "cannot allocate " + b.memoryMib + " MiB of guest RAM: "
                        + e.getMessage(), e);
            }
            resources.push(ram);
            vm = kvm.createVm();
            resources.push(vm);
            vm.mapMemory(ram);
            vm.createIrqchip();
            vm.createPit();

            pio = new PortIoBus();
            serial = new Serial16550(Serial16550.COM1, b.console, InterruptLine.irqFd(vm.irqFd(Serial16550.COM1_IRQ)));
            serial.attach(pio);
            new I8042(this::onReset).attach(pio);
            new Cmos(Clock.systemUTC()).attach(pio);
            mmio = new MmioBus();
            io = new CountingIo(pio, mmio);
            // Closed before the VM: device bindings stop their notifier threads and unregister their eventfds.
            resources.push(this::closeWindows);

            StringBuilder cmdline = new StringBuilder(b.commandLine);
            List<MmioDeviceDescription> acpiDevices = new ArrayList<>();
            int total = b.devices.size() + b.hotplugSlots;
            for (int i = 0; i < total; i++) {
                Window w = new Window(MmioDeviceWindow.of(MMIO_BASE + i * MMIO_STEP, FIRST_IRQ + i));
                windows.add(w);
                mmio.register(w.window.base(), w.window.size(), w.empty);
                acpiDevices.add(new MmioDeviceDescription(w.window.base(), w.window.size(), w.window.irq()));
                appendArg(cmdline, w.window.kernelCommandLine());
            }
            int index = 0;
            for (Map.Entry<String, VirtioDevice> d : b.devices.entrySet()) {
                windows.get(index++).plug(this, d.getKey(), d.getValue());
            }
            commandLine = cmdline.toString();

            AcpiTables acpi = AcpiTables.build(AcpiConfig.of(b.vcpus, acpiDevices));
            acpi.writeTo(ram);
            E820Map e820 = E820Map.standard(ram);

            List<KvmVcpu> created = new ArrayList<>();
            for (int id = 0; id < b.vcpus; id++) {
                KvmVcpu vcpu = vm.createVcpu(id);
                // The MSR values a kernel expects at entry (SYSCALL/SYSENTER cleared, fast strings, MTRRs on, WB).
                BootMsrs.apply(vcpu);
                created.add(vcpu);
            }
            KvmVcpu boot = created.get(0);
            try {
                if (kind == KernelImage.Kind.ELF) {
                    PvhLoader.Boot pb = PvhLoader.load(ram, kernel,
                            new PvhLoader.Config(commandLine, initrd, acpi.rsdpAddress(), e820));
                    PvhEntry.enter(boot, ram, pb);
                } else {
                    BzImageLoader.Boot bb = BzImageLoader.load(ram, kernel,
                            new BzImageLoader.Config(commandLine, initrd, acpi.rsdpAddress(), e820));
                    BzImageLoader.enter(boot, ram, bb);
                }
            } catch (BootException e) {
                throw new MachineException(Subject.KERNEL, b.kernel + " cannot be loaded (" + kind.description + "): "
                        + e.getMessage(), e);
            }
        } catch (KvmException e) {
            if (e.error() == KvmError.KVM_MISSING || e.error() == KvmError.KVM_ACCESS_DENIED
                    || e.error() == KvmError.KVM_OPEN_FAILED || e.error() == KvmError.API_VERSION) {
                throw new MachineException(Subject.KVM, "KVM unavailable (" + b.kvmDevice + "): " + e.getMessage(), e);
            }
            throw new MachineException(Subject.MACHINE, "setting up the VM failed: " + e.getMessage(), e);
        } catch (GuestMemoryException e) {
            throw new MachineException(Subject.MEMORY, "writing the boot data into guest RAM failed (" + b.memoryMib
                    + " MiB too small?): " + e.getMessage(), e);
        }
    }

    static void checkDeviceName(String deviceName) throws MachineException {
        if (deviceName == null || !DEVICE_NAME.matcher(deviceName).matches()) {
            throw new MachineException(Subject.DEVICE, "invalid device name \"" + deviceName
                    + "\": use 1-64 letters, digits, '.', '_' or '-'");
        }
    }

    private static void appendArg(StringBuilder cmdline, String arg) {
        if (!cmdline.isEmpty()) {
            cmdline.append(' ');
        }
        cmdline.append(arg);
    }

    /** @return the machine's name */
    public String name() {
        return name;
    }

    /** @return the full kernel command line: the configured one, then one virtio_mmio.device= per window */
    public String commandLine() {
        return commandLine;
    }

    /** @return guest RAM (for tests and tools that inspect the guest) */
    public GuestRam memory() {
        return ram;
    }

    /** @return where the machine is */
    public MachineState state() {
        synchronized (lock) {
            return state;
        }
    }

    /** @return how the run ended, or null while it has not */
    public MachineExit exit() {
        synchronized (lock) {
            return exit;
        }
    }

    /** @return every window, in address order */
    public List<MmioDeviceWindow> windows() {
        return windows.stream().map(w -> w.window).toList();
    }

    /**
     * Starts one platform thread per vCPU; vCPU 0 begins at the kernel entry, the others wait for the
     * guest's INIT/SIPI in the in-kernel local APIC.
     *
     * @throws MachineException when the machine was started before, or KVM refuses
     */
    public void start() throws MachineException {
        synchronized (lock) {
            if (state != MachineState.CREATED) {
                throw new MachineException(Subject.MACHINE, name + " cannot start: it is " + state);
            }
            launch();
            state = MachineState.RUNNING;
        }
    }

    /** Starts a run and a thread that waits for its end. Under the lock. */
    private void launch() throws MachineException {
        VmRun r;
        try {
            r = vm.start(io.pio, io.mmio);
        } catch (KvmException e) {
            throw new MachineException(Subject.MACHINE, "starting the vCPUs of " + name + " failed: " + e.getMessage(), e);
        }
        io.runs.increment();
        run = r;
        Thread.ofPlatform().daemon().name(name + "-monitor").start(() -> watch(r));
    }

    /** Waits for a run to end (every vCPU thread), then records how, unless a pause stopped it. */
    private void watch(VmRun r) {
        VcpuStop first;
        try {
            java.util.Optional<VcpuStop> s;
            do {
                s = r.await(Duration.ofHours(1));
            } while (s.isEmpty());
            first = s.get();
        } catch (InterruptedException e) {
            return; // only a JVM shutting down interrupts this thread
        }
        MachineExit ended;
        synchronized (lock) {
            // A pause (in progress or done: this thread may get the lock only after pause() has) or stop()
            // deals with this run's end.
            if (r != run || pausing || state != MachineState.RUNNING) {
                lock.notifyAll();
                return;
            }
            ended = exitOf(first);
            end(ended);
        }
        report(ended);
    }

    /** Under the lock: how the current run ended, given its first stop. */
    private MachineExit exitOf(VcpuStop s) {
        if (resetRequested) {
            return new MachineExit(MachineExit.Kind.RESET, "the guest reset the machine through the i8042");
        }
        if (stopRequested && s.reason() == VcpuStop.Reason.STOPPED) {
            return new MachineExit(MachineExit.Kind.STOPPED, "stopped on request");
        }
        String what = switch (s.reason()) {
            case SHUTDOWN -> "the guest shut down the vCPU (triple fault or shutdown, KVM_EXIT_SHUTDOWN)";
            case HALTED -> "every vCPU halted";
            default -> "vCPU " + s.vcpu() + " stopped: " + s.reason();
        };
        return new MachineExit(MachineExit.Kind.FAILED,
                what + (s.message() == null || s.message().isEmpty() ? "" : ": " + s.message()));
    }

    private void end(MachineExit e) {
        exit = e;
        state = MachineState.ENDED;
        lock.notifyAll();
    }

    private void report(MachineExit e) {
        try {
            exitListener.accept(e);
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "{0}: exit listener failed: {1}", name, ex.toString());
        }
    }

    /** The i8042 callback, on a vCPU thread. */
    private void onReset() {
        synchronized (lock) {
            resetRequested = true;
            if (run != null) {
                run.stop();
            }
        }
    }

    /**
     * Halts every vCPU (they leave KVM_RUN; their registers and the in-kernel irqchip keep their state) and
     * waits until they have. Devices keep serving requests already notified; guest time stops.
     *
     * @throws MachineException when the machine is not running, or the vCPUs did not stop in time
     */
    public void pause() throws MachineException {
        VmRun r;
        synchronized (lock) {
            if (state != MachineState.RUNNING) {
                throw new MachineException(Subject.MACHINE, name + " cannot pause: it is " + state);
            }
            pausing = true;
            r = run;
            r.stop();
        }
        java.util.Optional<VcpuStop> stop;
        try {
            stop = r.await(VCPU_STOP_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop = java.util.Optional.empty();
        }
        boolean stopped = stop.isPresent();
        MachineExit ended = null;
        synchronized (lock) {
            pausing = false;
            if (state != MachineState.RUNNING) {
                return; // stop() or close() came in between
            }
            if (!stopped) {
                stopRequested = true;
                ended = new MachineExit(MachineExit.Kind.FAILED, "the vCPUs did not stop within " + VCPU_STOP_WAIT + " on pause");
                end(ended);
            } else {
                VcpuStop first = stop.get();
                if (resetRequested || first.failed() || first.reason() == VcpuStop.Reason.SHUTDOWN) {
                    ended = exitOf(first); // the guest ended while we paused it
                    end(ended);
                } else {
                    state = MachineState.PAUSED;
                }
            }
        }
        if (ended != null) {
            report(ended);
            throw new MachineException(Subject.MACHINE, name + " ended while pausing: " + ended.message());
        }
    }

    /**
     * Restarts the vCPUs of a paused machine where they stopped.
     *
     * @throws MachineException when the machine is not paused, or KVM refuses
     */
    public void resume() throws MachineException {
        synchronized (lock) {
            if (state != MachineState.PAUSED) {
                throw new MachineException(Subject.MACHINE, name + " cannot resume: it is " + state);
            }
            launch();
            state = MachineState.RUNNING;
        }
    }

    /**
     * Stops the vCPUs (bounded wait) and ends the run with {@link MachineExit.Kind#STOPPED}; the exit
     * listener is told. Does nothing when the run has ended already. Any thread.
     */
    public void stop() {
        VmRun r;
        MachineExit ended;
        synchronized (lock) {
            if (state == MachineState.ENDED || state == MachineState.CLOSED) {
                return;
            }
            stopRequested = true;
            r = state == MachineState.RUNNING ? run : null;
            if (r != null) {
                r.stop();
            }
            ended = new MachineExit(MachineExit.Kind.STOPPED, "stopped on request");
            end(ended);
        }
        if (r != null) {
            try {
                r.await(VCPU_STOP_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        report(ended);
    }

    /**
     * Waits for the run to end.
     *
     * @param timeout the longest wait
     * @return how it ended, or null when the timeout passed first
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public MachineExit awaitExit(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (exit == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return exit;
        }
    }

    /**
     * Puts a device into the first spare window, while the machine is in any state but closed. The guest
     * is not told (virtio-mmio has no hot-plug signal): it finds the device when it probes the window
     * again.
     *
     * @param deviceName a name no attached device has: 1-64 letters, digits, '.', '_', '-'
     * @param device     a new, unused device instance; the machine does not close it
     * @return the window it went into
     * @throws MachineException when the name is invalid or taken, no spare window is left, or KVM refuses an eventfd
     */
    public MmioDeviceWindow attach(String deviceName, VirtioDevice device) throws MachineException {
        Objects.requireNonNull(device, "device");
        checkDeviceName(deviceName);
        synchronized (lock) {
            checkOpen();
            if (find(deviceName) != null) {
                throw new MachineException(Subject.DEVICE, deviceName + " is attached already");
            }
            for (Window w : windows) {
                if (w.binding == null) {
                    w.plug(this, deviceName, device);
                    return w.window;
                }
            }
            throw new MachineException(Subject.DEVICE, "no spare virtio-mmio window left for " + deviceName + " ("
                    + windows.size() + " windows, all in use; raise the hot-plug slots)");
        }
    }

    /**
     * Takes a device out of its window: the device is reset (as if the driver wrote 0 to Status, so it
     * stops serving), its eventfds and notifier threads are released, and the window reads DeviceID 0 again.
     * A driver still using the window then talks to nothing (reads 0, writes dropped).
     *
     * @param deviceName an attached device
     * @return the device instance, no longer called; the caller releases its resources
     * @throws MachineException when no device of that name is attached
     */
    public VirtioDevice detach(String deviceName) throws MachineException {
        synchronized (lock) {
            checkOpen();
            Window w = find(deviceName);
            if (w == null) {
                throw new MachineException(Subject.DEVICE, "no device " + deviceName + " is attached");
            }
            return w.unplug(mmio);
        }
    }

    /**
     * Replaces the implementation serving a device while the guest keeps using it, through the core's
     * {@link org.virtio.core.transport.VirtioDeviceHost#swapDevice}: the old instance finishes its in-flight
     * requests, its state goes to the replacement, which is activated on the same open queues. vCPUs keep
     * running; a notification arriving meanwhile waits for the swap.
     *
     * @param deviceName  an attached device
     * @param replacement a new, unused instance of the same device type
     * @return the replaced instance (the caller releases it) and the measured pause
     * @throws MachineException when no such device is attached or the replacement does not fit (the old one keeps serving)
     */
    public SwapResult swapDevice(String deviceName, VirtioDevice replacement) throws MachineException {
        Objects.requireNonNull(replacement, "replacement");
        Window w;
        synchronized (lock) {
            checkOpen();
            w = find(deviceName);
            if (w == null) {
                throw new MachineException(Subject.DEVICE, "no device " + deviceName + " is attached");
            }
        }
        return w.swap(replacement);
    }

    /** @return the attached devices in window order, with their queue counters */
    public List<AttachedDevice> devices() {
        List<AttachedDevice> out = new ArrayList<>();
        synchronized (lock) {
            for (Window w : windows) {
                AttachedDevice d = w.describe();
                if (d != null) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    /** @return how many windows hold no device */
    public int spareWindows() {
        synchronized (lock) {
            return (int) windows.stream().filter(w -> w.binding == null).count();
        }
    }

    /** @return exits to the VMM so far */
    public ExitCounters exitCounters() {
        if (io == null) {
            return new ExitCounters(0, 0, 0, 0, 0);
        }
        return new ExitCounters(io.pioExits.sum(), io.mmioExits.sum(), pio.unclaimedReads() + pio.unclaimedWrites(),
                mmio.unclaimedReads() + mmio.unclaimedWrites(), io.runs.sum());
    }

    /**
     * Puts bytes into the 16550's receive buffer, as if typed on the serial line.
     *
     * @param data the bytes
     * @return how many were taken (the buffer is bounded)
     */
    public int consoleInput(byte[] data) {
        return serial == null ? 0 : serial.receive(data, 0, data.length);
    }

    private Window find(String deviceName) {
        for (Window w : windows) {
            if (w.binding != null && w.name.equals(deviceName)) {
                return w;
            }
        }
        return null;
    }

    private void checkOpen() throws MachineException {
        if (state == MachineState.CLOSED) {
            throw new MachineException(Subject.MACHINE, name + " is closed");
        }
    }

    GuestRam ram() {
        return ram;
    }

    KvmVm vm() {
        return vm;
    }

    MmioBus mmioBus() {
        return mmio;
    }

    private void closeWindows() {
        synchronized (lock) {
            for (Window w : windows) {
                w.release();
            }
        }
    }

    /** Stops the machine if it runs and releases every descriptor, mapping and thread, in reverse order. */
    @Override
    public void close() {
        stop();
        release();
    }

    private void release() {
        synchronized (lock) {
            if (state == MachineState.CLOSED) {
                return;
            }
        }
        while (!resources.isEmpty()) {
            AutoCloseable c = resources.pop();
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "{0}: closing {1} failed: {2}", name, c, e.toString());
            }
        }
        synchronized (lock) {
            state = MachineState.CLOSED;
            lock.notifyAll();
        }
    }

    @Override
    public String toString() {
        return "machine " + name + " (" + state() + ")";
    }
}
