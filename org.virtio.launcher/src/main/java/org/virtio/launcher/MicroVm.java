package org.virtio.launcher;

import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.virtio.core.device.VirtioDevice;
import org.virtio.device.blk.BlkDeviceFactory;
import org.virtio.device.console.ConsoleConfig;
import org.virtio.device.console.ConsoleDeviceFactory;
import org.virtio.device.rng.RngConfig;
import org.virtio.device.rng.RngDeviceFactory;
import org.virtio.kvm.api.Kvm;
import org.virtio.transport.mmio.api.MmioDeviceWindow;
import org.virtio.vmm.machine.Machine;
import org.virtio.vmm.machine.MachineException;
import org.virtio.vmm.machine.MachineExit;

/**
 * One x86-64 KVM guest assembled from a {@link VmConfig}: the launcher's adapter over the VM manager's
 * {@link Machine} (memfd RAM, in-kernel irqchip and PIT, 16550 to the given stream, i8042 reset, CMOS,
 * ACPI, PVH or bzImage kernel, one virtio-mmio window per device from {@value #MMIO_BASE_HEX} in steps of
 * 0x1000 with IRQs from {@value #FIRST_IRQ} up). This class maps the Firecracker-format config onto it:
 * devices in the order drives (root device first), entropy, virtio-console; {@code root=/dev/vda} for a
 * root drive; machine errors prefixed with the JSON key they concern.
 *
 * <p>{@link #close()} releases the machine, then the device backends.
 */
public final class MicroVm implements AutoCloseable {
    /** The first virtio-mmio window; guest RAM must end below it. */
    public static final long MMIO_BASE = Machine.MMIO_BASE;
    static final String MMIO_BASE_HEX = "0xd0000000";
    /** The distance between windows. */
    public static final long MMIO_STEP = Machine.MMIO_STEP;
    /** The first window's IRQ (GSI); 4 is the UART's. */
    public static final int FIRST_IRQ = Machine.FIRST_IRQ;
    /** The last GSI the in-kernel IOAPIC has. */
    public static final int LAST_IRQ = Machine.LAST_IRQ;
    /** The most virtio devices one VM gets. */
    public static final int MAX_DEVICES = Machine.MAX_WINDOWS;

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

    /** Device backends (image files, console streams), closed after the machine. */
    private final Deque<AutoCloseable> backends = new ArrayDeque<>();
    private final List<String> deviceNames = new ArrayList<>();
    private Machine machine;

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
        // root= goes before the machine's virtio_mmio.device= arguments; Linux takes them in any order.
        String bootArgs = config.bootSource().bootArgs();
        Optional<String> root = config.drives().stream().filter(VmConfig.Drive::rootDevice).findFirst()
                .map(d -> "root=/dev/vda " + (d.readOnly() ? "ro" : "rw"));
        if (root.isPresent()) {
            bootArgs = bootArgs.isEmpty() ? root.get() : bootArgs + " " + root.get();
        }
        Machine.Builder b = Machine.builder("virtio-vmm").memoryMib(config.machine().memSizeMib())
                .vcpus(config.machine().vcpuCount()).kernel(config.bootSource().kernelImagePath())
                .initrd(config.bootSource().initrdPath().orElse(null)).commandLine(bootArgs)
                .console(console).kvmDevice(kvmDevice);
        Map<String, VirtioDevice> devices = devices(config);
        devices.forEach(b::device);
        try {
            machine = b.build();
        } catch (MachineException e) {
            throw new LaunchException(describe(e), e);
        }
        List<MmioDeviceWindow> windows = machine.windows();
        int i = 0;
        for (String name : devices.keySet()) {
            deviceNames.add(name + " " + windows.get(i++).kernelCommandLine());
        }
    }

    /** @return the machine's message with the config key it concerns */
    private static String describe(MachineException e) {
        String key = switch (e.subject()) {
            case KERNEL -> "boot-source.kernel_image_path";
            case INITRD -> "boot-source.initrd_path";
            case MEMORY -> "machine-config.mem_size_mib";
            case VCPUS -> "machine-config.vcpu_count";
            case DEVICE -> "devices";
            case KVM, MACHINE -> null;
        };
        return key == null ? e.detail() : key + ": " + e.detail();
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
                backends.push(c);
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
                    backends.push(c);
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

    /** @return the full kernel command line: boot_args, root= for a root drive, then one virtio_mmio.device= per device */
    public String commandLine() {
        return machine.commandLine();
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
        try {
            machine.start();
        } catch (MachineException e) {
            if (machine.exit() != null) {
                return outcome(machine.exit()); // stop() came first
            }
            throw new LaunchException(e.getMessage(), e);
        }
        MachineExit exit;
        try {
            if (timeout != null) {
                exit = machine.awaitExit(timeout);
            } else {
                do {
                    exit = machine.awaitExit(Duration.ofHours(1));
                } while (exit == null);
            }
        } catch (InterruptedException e) {
            machine.stop();
            throw e;
        }
        if (exit == null) {
            machine.stop();
            return new Outcome(Outcome.Kind.TIMEOUT, "the guest was still running after " + timeout + "; stopped it");
        }
        return outcome(exit);
    }

    private static Outcome outcome(MachineExit exit) {
        return switch (exit.kind()) {
            case RESET -> new Outcome(Outcome.Kind.RESET, exit.message());
            case STOPPED -> new Outcome(Outcome.Kind.STOPPED, exit.message());
            case FAILED -> new Outcome(Outcome.Kind.FAILED, exit.message());
        };
    }

    /** Asks a running VM to stop; {@link #run} then returns {@link Outcome.Kind#STOPPED}. Any thread. */
    public void stop() {
        if (machine != null) {
            machine.stop();
        }
    }

    /** Stops the VM if it runs and releases the machine (descriptors, mappings, threads), then the device backends. */
    @Override
    public void close() {
        if (machine != null) {
            machine.close();
        }
        while (!backends.isEmpty()) {
            AutoCloseable c = backends.pop();
            try {
                c.close();
            } catch (Exception e) {
                System.getLogger(MicroVm.class.getName()).log(System.Logger.Level.WARNING,
                        "closing {0} failed: {1}", c, e.toString());
            }
        }
    }
}
