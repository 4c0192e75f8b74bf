package org.virtio.launcher;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.virtio.core.device.VirtioDevice;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestMemoryException;
import org.virtio.core.memory.GuestRam;
import org.virtio.device.blk.BlkDeviceFactory;
import org.virtio.device.console.ConsoleConfig;
import org.virtio.device.console.ConsoleDeviceFactory;
import org.virtio.device.rng.RngConfig;
import org.virtio.device.rng.RngDeviceFactory;
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
import org.virtio.kvm.api.BootMsrs;
import org.virtio.kvm.boot.PvhLoader;
import org.virtio.kvm.devices.Cmos;
import org.virtio.kvm.devices.I8042;
import org.virtio.kvm.devices.InterruptLine;
import org.virtio.kvm.devices.MmioBus;
import org.virtio.kvm.devices.PortIoBus;
import org.virtio.kvm.devices.Serial16550;
import org.virtio.transport.mmio.api.MmioDeviceWindow;
import org.virtio.transport.mmio.api.VirtioMmioDevice;
import org.virtio.transport.mmio.kvm.KvmMmioBinding;

/**
 * One x86-64 KVM guest assembled from a {@link VmConfig}: memfd guest RAM of {@code mem_size_mib} from
 * address 0, the in-kernel irqchip and PIT, a 16550 at 0x3f8 (IRQ 4) writing to the given stream, an
 * i8042 whose reset command (0xFE on port 0x64) ends the run with {@link Outcome.Kind#RESET}, a CMOS/RTC,
 * and one virtio-mmio window per device from {@value #MMIO_BASE_HEX} in steps of 0x1000 with IRQs from
 * {@value #FIRST_IRQ} up, in the order drives (root device first), entropy, virtio-console. Each window is
 * described to the guest twice, as Firecracker and the ACPI-only Linux configurations expect: appended
 * to {@code boot_args} as {@code virtio_mmio.device=4K@0x…:irq}, and as an {@code LNRO0005} device in
 * the DSDT. The kernel is told apart by its magic: ELF (booted through PVH, which needs the Xen PVH
 * note) or bzImage (the Linux/x86 64-bit boot protocol). vCPU 0 starts at the entry; the other vCPUs
 * wait, in the in-kernel local APIC, for the guest's INIT/SIPI.
 *
 * <p>{@link #close()} releases everything {@link #create} acquired, in reverse order: bindings and
 * their eventfds and threads, device backends, the VM (vCPUs, kvm_run mappings, descriptors), guest
 * RAM (mapping and memfd), the KVM device.
 */
public final class MicroVm implements AutoCloseable {
    /** The first virtio-mmio window; guest RAM must end below it. */
    public static final long MMIO_BASE = 0xd000_0000L;
    static final String MMIO_BASE_HEX = "0xd0000000";
    /** The distance between windows. */
    public static final long MMIO_STEP = 0x1000;
    /** The first window's IRQ (GSI); 4 is the UART's. */
    public static final int FIRST_IRQ = 5;
    /** The last GSI the in-kernel IOAPIC has. */
    public static final int LAST_IRQ = 23;
    /** The most virtio devices one VM gets. */
    public static final int MAX_DEVICES = LAST_IRQ - FIRST_IRQ + 1;

    /** How a run ended. */
    public record Outcome(Kind kind, String message) {
        /** The kinds of ending. */
        public enum Kind {
            /** The guest reset the machine through the i8042: the orderly end, exit status 0. */
            RESET,
            /** {@link #stop()} was called (e.g. on SIGINT/SIGTERM). */
            STOPPED,
            /** The guest crashed (triple fault / shutdown) or a vCPU failed. */
            FAILED,
            /** The timeout given to {@link #run(Duration)} passed first; the VM has been stopped. */
            TIMEOUT
        }
    }

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final Object lock = new Object();
    private final List<String> deviceNames = new ArrayList<>();
    private KvmVm vm;
    private PortIoBus pio;
    private MmioBus mmio;
    private String commandLine;
    private VmRun run;
    private boolean resetRequested;
    private boolean stopRequested;

    private MicroVm() {
    }

    /**
     * Builds the VM, ready to {@link #run}. On failure everything acquired so far is released.
     *
     * @param config  the validated configuration
     * @param console where the 16550's output goes (the launcher passes standard output)
     * @return the VM
     * @throws LaunchException naming what failed: a file, KVM, the kernel image, a device
     */
    public static MicroVm create(VmConfig config, OutputStream console) throws LaunchException {
        return create(config, console, Kvm.DEVICE);
    }

    /** As {@link #create(VmConfig, OutputStream)} with another KVM device file (tests). */
    static MicroVm create(VmConfig config, OutputStream console, Path kvmDevice) throws LaunchException {
        MicroVm m = new MicroVm();
        try {
            m.build(config, console, kvmDevice);
            return m;
        } catch (LaunchException | RuntimeException | Error e) {
            m.close();
            throw e;
        }
    }

    private void build(VmConfig config, OutputStream console, Path kvmDevice) throws LaunchException {
        byte[] kernel = read(config.bootSource().kernelImagePath(), "boot-source.kernel_image_path");
        byte[] initrd = config.bootSource().initrdPath().isPresent()
                ? read(config.bootSource().initrdPath().get(), "boot-source.initrd_path") : new byte[0];
        KernelKind kind = KernelKind.of(kernel);
        if (kind == KernelKind.UNKNOWN) {
            throw new LaunchException("boot-source.kernel_image_path: " + config.bootSource().kernelImagePath()
                    + " is neither an ELF kernel (booted through PVH) nor a bzImage (no \\x7fELF or HdrS magic)");
        }
        int vcpus = config.machine().vcpuCount();
        try {
            Kvm kvm = Kvm.open(kvmDevice);
            resources.push(kvm);
            if (vcpus > kvm.maxVcpus()) {
                throw new LaunchException("machine-config.vcpu_count: " + vcpus + " exceeds this host's KVM limit of "
                        + kvm.maxVcpus() + " vCPUs");
            }
            GuestRam ram;
            try {
                ram = GuestRam.builder().memfd("virtio-vmm-ram", GuestAddress.of(0), config.machine().memBytes()).build();
            } catch (IllegalStateException e) {
                throw new LaunchException("machine-config.mem_size_mib: cannot allocate " + config.machine().memSizeMib()
                        + " MiB of guest RAM: " + e.getMessage(), e);
            }
            resources.push(ram);
            vm = kvm.createVm();
            resources.push(vm);
            vm.mapMemory(ram);
            vm.createIrqchip();
            vm.createPit();

            pio = new PortIoBus();
            new Serial16550(Serial16550.COM1, console, InterruptLine.irqFd(vm.irqFd(Serial16550.COM1_IRQ))).attach(pio);
            new I8042(this::onReset).attach(pio);
            new Cmos(Clock.systemUTC()).attach(pio);
            mmio = new MmioBus();

            StringBuilder cmdline = new StringBuilder(config.bootSource().bootArgs());
            List<MmioDeviceDescription> acpiDevices = new ArrayList<>();
            int index = 0;
            for (Map.Entry<String, VirtioDevice> d : devices(config).entrySet()) {
                MmioDeviceWindow window = MmioDeviceWindow.of(MMIO_BASE + index * MMIO_STEP, FIRST_IRQ + index);
                index++;
                String name = d.getKey();
                VirtioDevice device = d.getValue();
                KvmMmioBinding binding = KvmMmioBinding.bind(vm, window,
                        line -> VirtioMmioDevice.create(device, ram, null, "vm/" + name, line));
                resources.push(binding);
                mmio.register(window.base(), window.size(), binding);
                deviceNames.add(name + " " + window.kernelCommandLine());
                acpiDevices.add(new MmioDeviceDescription(window.base(), window.size(), window.irq()));
                appendArg(cmdline, window.kernelCommandLine());
            }
            config.drives().stream().filter(VmConfig.Drive::rootDevice).findFirst()
                    .ifPresent(root -> appendArg(cmdline, "root=/dev/vda " + (root.readOnly() ? "ro" : "rw")));
            commandLine = cmdline.toString();

            AcpiTables acpi = AcpiTables.build(AcpiConfig.of(vcpus, acpiDevices));
            acpi.writeTo(ram);
            E820Map e820 = E820Map.standard(ram);

            List<KvmVcpu> created = new ArrayList<>();
            for (int id = 0; id < vcpus; id++) {
                KvmVcpu vcpu = vm.createVcpu(id);
                // The MSR values a kernel expects at entry (SYSCALL/SYSENTER cleared, fast strings, MTRRs on, WB).
                BootMsrs.apply(vcpu);
                created.add(vcpu);
            }
            KvmVcpu boot = created.get(0);
            try {
                if (kind == KernelKind.ELF) {
                    PvhLoader.Boot b = PvhLoader.load(ram, kernel,
                            new PvhLoader.Config(commandLine, initrd, acpi.rsdpAddress(), e820));
                    PvhEntry.enter(boot, ram, b);
                } else {
                    BzImageLoader.Boot b = BzImageLoader.load(ram, kernel,
                            new BzImageLoader.Config(commandLine, initrd, acpi.rsdpAddress(), e820));
                    BzImageLoader.enter(boot, ram, b);
                }
            } catch (BootException e) {
                throw new LaunchException("boot-source.kernel_image_path: " + config.bootSource().kernelImagePath()
                        + " cannot be loaded (" + kind.description + "): " + e.getMessage(), e);
            }
        } catch (KvmException e) {
            if (e.error() == KvmError.KVM_MISSING || e.error() == KvmError.KVM_ACCESS_DENIED
                    || e.error() == KvmError.KVM_OPEN_FAILED || e.error() == KvmError.API_VERSION) {
                throw new LaunchException("KVM unavailable (" + kvmDevice + "): " + e.getMessage(), e);
            }
            throw new LaunchException("setting up the VM failed: " + e.getMessage(), e);
        } catch (GuestMemoryException e) {
            throw new LaunchException("writing the boot data into guest RAM failed (machine-config.mem_size_mib "
                    + config.machine().memSizeMib() + " too small?): " + e.getMessage(), e);
        }
    }

    /** Creates the devices in window order; each backend is registered for closing. */
    private Map<String, VirtioDevice> devices(VmConfig config) throws LaunchException {
        Map<String, VirtioDevice> out = new LinkedHashMap<>();
        List<VmConfig.Drive> drives = new ArrayList<>(config.drives());
        drives.sort((a, b) -> Boolean.compare(b.rootDevice(), a.rootDevice())); // root first: /dev/vda
        BlkDeviceFactory blk = new BlkDeviceFactory();
        for (int i = 0; i < drives.size(); i++) {
            VmConfig.Drive d = drives.get(i);
            String id = d.driveId();
            VirtioDevice dev;
            try {
                dev = blk.create(Map.of("path", d.pathOnHost().toString(), "readOnly", d.readOnly(),
                        "serial", id.length() > 20 ? id.substring(0, 20) : id));
            } catch (IllegalArgumentException e) {
                int at = config.drives().indexOf(d);
                throw new LaunchException("drives[" + at + "].path_on_host: " + e.getMessage(), e);
            }
            if (dev instanceof AutoCloseable c) {
                resources.push(c);
            }
            out.put("drive-" + id, dev);
        }
        if (config.entropy().isPresent()) {
            out.put("entropy", new RngDeviceFactory(defaults(RngConfig.class)).create(Map.of()));
        }
        Optional<VmConfig.Console> console = config.console();
        if (console.isPresent()) {
            try {
                VirtioDevice dev = new ConsoleDeviceFactory(defaults(ConsoleConfig.class))
                        .create(Map.of("output", console.get().output(), "input", console.get().input()));
                if (dev instanceof AutoCloseable c) {
                    resources.push(c);
                }
                out.put("virtio-console", dev);
            } catch (IllegalArgumentException e) {
                throw new LaunchException("virtio-console: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** @return an instance of a configuration annotation type whose every method returns its default */
    @SuppressWarnings("unchecked")
    static <A extends Annotation> A defaults(Class<A> type) {
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            return switch (method.getName()) {
                case "annotationType" -> type;
                case "toString" -> "defaults of " + type.getName();
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> method.getDefaultValue();
            };
        });
    }

    private static void appendArg(StringBuilder cmdline, String arg) {
        if (!cmdline.isEmpty()) {
            cmdline.append(' ');
        }
        cmdline.append(arg);
    }

    private static byte[] read(Path file, String key) throws LaunchException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException | FileNotFoundException e) {
            throw new LaunchException(key + ": file not found: " + file, e);
        } catch (AccessDeniedException e) {
            throw new LaunchException(key + ": permission denied: " + file, e);
        } catch (IOException | OutOfMemoryError e) {
            throw new LaunchException(key + ": cannot read " + file + ": " + e, e);
        }
    }

    private enum KernelKind {
        ELF("ELF, PVH boot"), BZIMAGE("bzImage, Linux boot protocol"), UNKNOWN("unknown");

        final String description;

        KernelKind(String description) {
            this.description = description;
        }

        static KernelKind of(byte[] image) {
            if (image.length >= 4 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F') {
                return ELF;
            }
            if (image.length >= 0x206 && image[0x202] == 'H' && image[0x203] == 'd' && image[0x204] == 'r'
                    && image[0x205] == 'S') {
                return BZIMAGE;
            }
            return UNKNOWN;
        }
    }

    /** The i8042 callback, on a vCPU thread; {@link #run} may not have stored the run yet. */
    private void onReset() {
        synchronized (lock) {
            resetRequested = true;
            if (run != null) {
                run.stop();
            }
        }
    }

    /** @return the full kernel command line: boot_args, then one virtio_mmio.device= per device */
    public String commandLine() {
        return commandLine;
    }

    /** @return one line per device: its name and its {@code virtio_mmio.device=} parameter */
    public List<String> devices() {
        return List.copyOf(deviceNames);
    }

    /**
     * Runs the guest until it resets through the i8042, fails, {@link #stop()} is called or the timeout
     * passes (then the VM is stopped). Call once.
     *
     * @param timeout the longest run, or null for none
     * @return how the run ended
     * @throws LaunchException      when the vCPUs cannot be started
     * @throws InterruptedException when the calling thread is interrupted (the VM is stopped)
     */
    public Outcome run(Duration timeout) throws LaunchException, InterruptedException {
        VmRun r;
        try {
            r = vm.start(pio, mmio);
        } catch (KvmException e) {
            throw new LaunchException("starting the vCPUs failed: " + e.getMessage(), e);
        }
        synchronized (lock) {
            run = r;
            if (resetRequested || stopRequested) {
                r.stop();
            }
        }
        Optional<VcpuStop> stop;
        try {
            if (timeout != null) {
                stop = r.await(timeout);
            } else {
                do {
                    stop = r.await(Duration.ofHours(1));
                } while (stop.isEmpty());
            }
        } catch (InterruptedException e) {
            r.stop();
            throw e;
        }
        if (stop.isEmpty()) {
            r.stop();
            r.await(Duration.ofSeconds(10));
            return new Outcome(Outcome.Kind.TIMEOUT, "the guest was still running after " + timeout + "; stopped it");
        }
        synchronized (lock) {
            if (resetRequested) {
                return new Outcome(Outcome.Kind.RESET, "the guest reset the machine through the i8042");
            }
            if (stopRequested && stop.get().reason() == VcpuStop.Reason.STOPPED) {
                return new Outcome(Outcome.Kind.STOPPED, "stopped on request");
            }
        }
        VcpuStop s = stop.get();
        String what = switch (s.reason()) {
            case SHUTDOWN -> "the guest shut down the vCPU (triple fault or shutdown, KVM_EXIT_SHUTDOWN)";
            case HALTED -> "every vCPU halted";
            default -> "vCPU " + s.vcpu() + " stopped: " + s.reason();
        };
        return new Outcome(Outcome.Kind.FAILED, what + (s.message() == null || s.message().isEmpty() ? "" : ": " + s.message()));
    }

    /** Asks a running VM to stop; {@link #run} then returns {@link Outcome.Kind#STOPPED}. Any thread. */
    public void stop() {
        synchronized (lock) {
            stopRequested = true;
            if (run != null) {
                run.stop();
            }
        }
    }

    /** Stops the VM if it runs and releases every descriptor, mapping and backend, in reverse order. */
    @Override
    public void close() {
        while (!resources.isEmpty()) {
            AutoCloseable c = resources.pop();
            try {
                c.close();
            } catch (Exception e) {
                System.getLogger(MicroVm.class.getName()).log(System.Logger.Level.WARNING,
                        "closing {0} failed: {1}", c, e.toString());
            }
        }
    }
}
