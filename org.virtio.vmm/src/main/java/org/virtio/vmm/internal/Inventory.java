package org.virtio.vmm.internal;

import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.virtio.core.device.VirtioDevice;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.SwapInfo;
import org.virtio.vmm.api.VmException;
import org.virtio.vmm.api.VmInfo;
import org.virtio.vmm.api.VmManager;
import org.virtio.vmm.api.VmState;
import org.virtio.vmm.machine.Machine;
import org.virtio.vmm.machine.MachineException;
import org.virtio.vmm.machine.MachineExit;
import org.virtio.vmm.machine.MachineState;
import org.virtio.vmm.machine.SwapResult;

/**
 * The manager's state: VM and device configurations as they arrive from Config Admin, the device
 * factories registered, and the machines running. Every change happens under one lock, so a
 * configuration event, a factory coming or going and a shell command never interleave; a rejected
 * configuration only marks its own VM or device. Plain Java (no OSGi types), so it is tested directly.
 */
final class Inventory {
    private static final Logger LOG = System.getLogger(Inventory.class.getName());

    private final Object lock = new Object();
    private volatile Duration grace;
    private volatile Duration autostartWait;
    private final ScheduledExecutorService executor;
    private final VmObserver observer;
    /** VM configurations by PID, in arrival order. */
    private final Map<String, ManagedVm> vms = new LinkedHashMap<>();
    /** Device configurations by PID, in arrival order. */
    private final Map<String, ManagedDevice> devices = new LinkedHashMap<>();
    private final List<FactoryRef> factories = new ArrayList<>();

    /** Told when a VM name appears or goes (JMX). */
    interface VmObserver {
        void added(String vm);

        void removed(String vm);
    }

    /**
     * @param grace         how long an orphaned device keeps serving, waiting for a factory of its type
     * @param autostartWait how long an autostart VM waits for the factories of its devices before it starts without them
     * @param executor      runs grace and autostart timers and machine-exit handling
     * @param observer      told about VM names appearing and going
     */
    Inventory(Duration grace, Duration autostartWait, ScheduledExecutorService executor, VmObserver observer) {
        this.grace = grace;
        this.autostartWait = autostartWait;
        this.executor = executor;
        this.observer = observer;
    }

    /** New grace and autostart-wait periods (the manager's configuration changed); timers already set keep theirs. */
    void setTimings(Duration grace, Duration autostartWait) {
        this.grace = grace;
        this.autostartWait = autostartWait;
    }

    // ------------------------------------------------------------------ configurations

    /** A VM configuration was created or updated. A running VM is stopped and started again with the new settings. */
    void vmConfigured(String pid, Map<String, ?> props) {
        VmSettings.Parsed parsed = VmSettings.parse(props, pid);
        synchronized (lock) {
            ManagedVm old = vms.get(pid);
            if (old != null && old.parsed.equals(parsed)) {
                return; // the same configuration again (FileInstall touching the file, DS modified)
            }
            boolean wasRunning = old != null && old.hasMachine();
            if (old != null) {
                dropVm(old);
            }
            List<String> errors = new ArrayList<>(parsed.errors());
            ManagedVm clash = byName(parsed.name());
            if (clash != null) {
                errors.add(parsed.source() + ": " + VmManager.NAME + ": VM name \"" + parsed.name()
                        + "\" is already used by " + clash.parsed.source());
            }
            ManagedVm vm = new ManagedVm(pid, parsed, errors);
            vms.put(pid, vm);
            if (!vm.valid()) {
                LOG.log(Level.WARNING, "VM configuration rejected: {0}", String.join("; ", vm.errors));
            }
            if (clash == null) {
                observer.added(vm.name());
            }
            if (vm.valid() && (wasRunning || parsed.settings().autostart())) {
                requestAutostart(vm);
            }
            changed();
        }
    }

    /**
     * Starts the VM once every device configured for it has a factory (at boot the device bundles may come
     * up after this one), or when {@code autostartWait} has passed, whichever is first.
     */
    private void requestAutostart(ManagedVm vm) {
        vm.autostartPending = true;
        if (autostartNow(vm)) {
            return;
        }
        LOG.log(Level.INFO, "VM {0}: autostart waits up to {1} ms for the factories of {2}", vm.name(),
                autostartWait.toMillis(), missingFactories(vm));
        try {
            vm.autostartTimer = executor.schedule(() -> {
                synchronized (lock) {
                    if (vms.get(vm.pid) == vm && vm.autostartPending) {
                        LOG.log(Level.WARNING, "VM {0}: starting without {1}: no factory after {2} ms", vm.name(),
                                missingFactories(vm), autostartWait.toMillis());
                        autostart(vm);
                        changed();
                    }
                }
            }, autostartWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            autostart(vm);
        }
    }

    /** @return whether the pending autostart ran (or was not pending) */
    private boolean autostartNow(ManagedVm vm) {
        if (!vm.autostartPending) {
            return true;
        }
        if (!missingFactories(vm).isEmpty()) {
            return false;
        }
        autostart(vm);
        return true;
    }

    private void autostart(ManagedVm vm) {
        vm.cancelAutostart();
        if (vm.hasMachine()) {
            return;
        }
        try {
            startLocked(vm);
        } catch (VmException e) {
            LOG.log(Level.WARNING, "{0}", e.getMessage());
        }
    }

    /** @return the names of the VM's devices whose type has no factory, e.g. [rng (rng)] */
    private List<String> missingFactories(ManagedVm vm) {
        return devicesOf(vm.name()).stream().filter(d -> d.status != DeviceInfo.Status.INVALID)
                .filter(d -> best(d.type(), null).isEmpty()).map(d -> d.name() + " (" + d.type() + ")").toList();
    }

    /** After a factory or device change: starts the VMs whose autostart now has what it waited for. */
    private void autostartWaiting() {
        for (ManagedVm vm : new ArrayList<>(vms.values())) {
            if (vm.autostartPending) {
                autostartNow(vm);
            }
        }
    }

    /** A VM configuration was deleted: its machine stops; its devices wait for a VM of that name. */
    void vmRemoved(String pid) {
        synchronized (lock) {
            ManagedVm vm = vms.get(pid);
            if (vm != null) {
                dropVm(vm);
                changed();
            }
        }
    }

    private void dropVm(ManagedVm vm) {
        vm.cancelAutostart();
        releaseMachine(vm, VmState.DEFINED, "");
        vm.console.clear();
        vms.remove(vm.pid);
        if (byName(vm.name()) == null) {
            observer.removed(vm.name());
        }
    }

    /** A device configuration was created or updated: an attached device is detached and attached again. */
    void deviceConfigured(String pid, String factoryPid, Map<String, ?> props) {
        DeviceSettings.Parsed parsed = DeviceSettings.parse(props, pid, factoryPid);
        synchronized (lock) {
            ManagedDevice old = devices.get(pid);
            if (old != null && old.parsed.equals(parsed)) {
                return;
            }
            if (old != null) {
                dropDevice(old);
            }
            ManagedDevice d = new ManagedDevice(parsed);
            if (parsed.valid()) {
                ManagedDevice clash = find(parsed.vm(), parsed.name());
                if (clash != null && clash.status != DeviceInfo.Status.INVALID) {
                    d.status = DeviceInfo.Status.INVALID;
                    d.error = parsed.source() + ": " + VmManager.DEVICE_NAME + ": device name \"" + parsed.name()
                            + "\" is already used in VM " + parsed.vm() + " by " + clash.parsed.source();
                }
            }
            devices.put(pid, d);
            if (d.status == DeviceInfo.Status.INVALID) {
                LOG.log(Level.WARNING, "device configuration rejected: {0}", d.error);
            } else {
                refresh(d);
            }
            autostartWaiting();
            changed();
        }
    }

    /** A device configuration was deleted: the device is detached from its running VM. */
    void deviceRemoved(String pid) {
        synchronized (lock) {
            ManagedDevice d = devices.get(pid);
            if (d != null) {
                dropDevice(d);
                devices.remove(pid);
                changed();
            }
        }
    }

    private void dropDevice(ManagedDevice d) {
        d.cancelGrace();
        ManagedVm vm = vmNamed(d.vm());
        if (d.attached() && vm != null && vm.hasMachine()) {
            try {
                closeDevice(vm.machine.detach(d.name()));
            } catch (MachineException e) {
                LOG.log(Level.WARNING, "{0}/{1}: detach failed: {2}", d.vm(), d.name(), e.getMessage());
            }
        }
        d.instance = null;
        d.factory = null;
    }

    // ------------------------------------------------------------------ factories

    /** A VirtioDeviceFactory service appeared: waiting devices of its type are created (hot-plugged), orphans swapped. */
    void factoryAdded(FactoryRef f) {
        synchronized (lock) {
            factories.add(f);
            for (ManagedDevice d : devices.values()) {
                if (!d.type().equals(f.type()) || d.status == DeviceInfo.Status.INVALID) {
                    continue;
                }
                if (d.status == DeviceInfo.Status.ORPHANED) {
                    ManagedVm vm = vmNamed(d.vm());
                    try {
                        swapLocked(vm, d, best(d.type(), null).orElseThrow());
                        LOG.log(Level.INFO, "{0}/{1}: swapped onto {2}", d.vm(), d.name(), d.factory.implementation());
                    } catch (VmException e) {
                        LOG.log(Level.WARNING, "{0}", e.getMessage());
                    }
                } else if (!d.attached()) {
                    refresh(d);
                }
            }
            autostartWaiting();
            changed();
        }
    }

    /**
     * A factory went away. Devices it made move to another factory of their type when there is one (a live
     * swap), else keep serving as orphans for the grace period, then are detached.
     */
    void factoryRemoved(FactoryRef f) {
        synchronized (lock) {
            factories.removeIf(x -> x.factory() == f.factory());
            for (ManagedDevice d : devices.values()) {
                if (!d.type().equals(f.type())) {
                    continue;
                }
                if (d.attached() && d.factory != null && d.factory.factory() == f.factory()) {
                    Optional<FactoryRef> other = best(d.type(), null);
                    ManagedVm vm = vmNamed(d.vm());
                    if (other.isPresent()) {
                        try {
                            swapLocked(vm, d, other.get());
                            continue;
                        } catch (VmException e) {
                            LOG.log(Level.WARNING, "{0}", e.getMessage());
                        }
                    }
                    orphan(d);
                } else if (!d.attached()) {
                    refresh(d);
                }
            }
            changed();
        }
    }

    private void orphan(ManagedDevice d) {
        d.status = DeviceInfo.Status.ORPHANED;
        d.error = "its factory went away; serving on until a factory of type " + d.type() + " returns or "
                + grace.toMillis() + " ms pass";
        d.cancelGrace();
        try {
            d.grace = executor.schedule(() -> graceOver(d), grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            graceOver(d); // shutting down
        }
    }

    private void graceOver(ManagedDevice d) {
        synchronized (lock) {
            if (d.status != DeviceInfo.Status.ORPHANED || devices.get(d.parsed.pid()) != d) {
                return;
            }
            d.grace = null;
            LOG.log(Level.INFO, "{0}/{1}: no factory of type {2} came back: detached", d.vm(), d.name(), d.type());
            dropDevice(d);
            d.error = "";
            refresh(d);
            changed();
        }
    }

    /** Brings a device without an instance in line with its VM and the factories: attach, READY or WAITING. */
    private void refresh(ManagedDevice d) {
        if (d.attached() || d.status == DeviceInfo.Status.INVALID) {
            return;
        }
        Optional<FactoryRef> f = best(d.type(), null);
        if (f.isEmpty()) {
            d.status = DeviceInfo.Status.WAITING;
            d.error = "no device factory of type " + d.type() + " is registered (install its bundle or feature)";
            return;
        }
        ManagedVm vm = vmNamed(d.vm());
        if (vm == null || !vm.hasMachine()) {
            d.status = DeviceInfo.Status.READY;
            d.error = vm == null ? "VM " + d.vm() + " is not defined" : "";
            return;
        }
        VirtioDevice instance;
        try {
            instance = create(d, f.get());
        } catch (VmException e) {
            failed(d, e);
            return;
        }
        try {
            vm.machine.attach(d.name(), instance);
            d.instance = instance;
            d.factory = f.get();
            d.status = DeviceInfo.Status.ATTACHED;
            d.error = "";
            LOG.log(Level.INFO, "{0}/{1}: hot-plugged ({2})", d.vm(), d.name(), f.get().implementation());
        } catch (MachineException e) {
            closeDevice(instance);
            d.status = DeviceInfo.Status.FAILED;
            d.error = e.getMessage();
            LOG.log(Level.WARNING, "{0}/{1}: {2}", d.vm(), d.name(), e.getMessage());
        }
    }

    /**
     * @return a new instance from the factory
     * @throws VmException with the factory's reason, prefixed by the device's file; the device is not changed
     */
    private VirtioDevice create(ManagedDevice d, FactoryRef f) throws VmException {
        try {
            VirtioDevice instance = f.factory().create(d.parsed.settings().properties());
            if (instance == null) {
                throw new IllegalArgumentException("the factory returned no device");
            }
            return instance;
        } catch (RuntimeException e) {
            String why = d.parsed.source() + ": " + e.getMessage();
            LOG.log(Level.WARNING, "device {0}/{1} rejected by {2}: {3}", d.vm(), d.name(), f.implementation(), why);
            throw new VmException(why, e);
        }
    }

    /** A device without an instance whose factory rejected its configuration. */
    private static void failed(ManagedDevice d, VmException e) {
        d.status = DeviceInfo.Status.FAILED;
        d.error = e.getMessage();
    }

    private Optional<FactoryRef> best(String type, String implementation) {
        return factories.stream().filter(f -> f.type().equals(type))
                .filter(f -> implementation == null || f.isFrom(implementation)).sorted(FactoryRef::compare).findFirst();
    }

    private SwapInfo swapLocked(ManagedVm vm, ManagedDevice d, FactoryRef f) throws VmException {
        if (vm == null || !vm.hasMachine() || !d.attached()) {
            throw new VmException("device " + d.name() + " of VM " + d.vm() + " is not attached (" + d.status + ")");
        }
        VirtioDevice next;
        try {
            next = create(d, f);
        } catch (VmException e) {
            d.error = "swap onto " + f.implementation() + " failed, the old implementation serves on: " + e.getMessage();
            throw e;
        }
        SwapResult r;
        try {
            r = vm.machine.swapDevice(d.name(), next);
        } catch (MachineException e) {
            closeDevice(next);
            throw new VmException(d.vm() + "/" + d.name() + ": swap onto " + f.implementation() + " failed: "
                    + e.getMessage() + " (the old implementation keeps serving)", e);
        }
        String from = d.factory == null ? "?" : d.factory.implementation() + " " + r.replaced().getClass().getName();
        closeDevice(r.replaced());
        d.cancelGrace();
        d.instance = next;
        d.factory = f;
        d.status = DeviceInfo.Status.ATTACHED;
        d.error = "";
        d.swaps++;
        return new SwapInfo(d.vm(), d.name(), from, f.implementation() + " " + next.getClass().getName(), r.pause());
    }

    // ------------------------------------------------------------------ machines

    private void startLocked(ManagedVm vm) throws VmException {
        vm.cancelAutostart();
        if (!vm.valid()) {
            throw new VmException("VM " + vm.name() + " cannot start: its configuration is invalid: "
                    + String.join("; ", vm.errors));
        }
        if (vm.hasMachine()) {
            throw new VmException("VM " + vm.name() + " is " + vm.state + " already");
        }
        VmSettings s = vm.parsed.settings();
        Machine.Builder b = Machine.builder(vm.name()).memoryMib(s.memoryMib()).vcpus(s.vcpus()).kernel(s.kernel())
                .initrd(s.initrd()).commandLine(s.commandLine()).console(vm.console);
        List<ManagedDevice> mine = devicesOf(vm.name());
        List<ManagedDevice> placed = new ArrayList<>();
        for (ManagedDevice d : mine) {
            Optional<FactoryRef> f = d.status == DeviceInfo.Status.INVALID ? Optional.empty() : best(d.type(), null);
            if (f.isEmpty()) {
                continue;
            }
            try {
                d.instance = create(d, f.get());
                d.factory = f.get();
                b.device(d.name(), d.instance);
                placed.add(d);
            } catch (VmException e) {
                failed(d, e); // the VM starts without it
            }
        }
        int slots = Math.min(s.hotplugSlots(), Machine.MAX_WINDOWS - placed.size());
        b.hotplugSlots(Math.max(slots, 0));
        Machine m = null;
        try {
            m = b.onExit(e -> onExit(vm, e)).build();
            vm.machine = m;
            m.start();
        } catch (MachineException e) {
            if (m != null) {
                m.close();
            }
            vm.machine = null;
            for (ManagedDevice d : placed) {
                closeDevice(d.instance);
                d.instance = null;
                d.factory = null;
                d.status = DeviceInfo.Status.READY;
            }
            vm.state = VmState.FAILED;
            vm.detail = describe(vm, e);
            LOG.log(Level.WARNING, "VM {0} failed to start: {1}", vm.name(), vm.detail);
            throw new VmException(vm.detail, e);
        }
        for (ManagedDevice d : placed) {
            d.status = DeviceInfo.Status.ATTACHED;
            d.error = "";
        }
        vm.state = VmState.RUNNING;
        vm.detail = "";
        LOG.log(Level.INFO, "VM {0} started: {1} MiB, {2} vCPUs, {3} devices", vm.name(), s.memoryMib(), s.vcpus(),
                placed.size());
    }

    /** @return the machine's message with the configuration file and key it concerns */
    private static String describe(ManagedVm vm, MachineException e) {
        String key = switch (e.subject()) {
            case KERNEL -> VmManager.KERNEL;
            case INITRD -> VmManager.INITRD;
            case MEMORY -> VmManager.MEMORY;
            case VCPUS -> VmManager.VCPUS;
            case DEVICE -> "device";
            case KVM, MACHINE -> null;
        };
        return vm.parsed.source() + ": " + (key == null ? "" : key + ": ") + e.detail();
    }

    /** Machine exit listener (a machine thread): handled on the executor, outside the machine's own calls. */
    private void onExit(ManagedVm vm, MachineExit exit) {
        Runnable r = () -> {
            synchronized (lock) {
                if (vms.get(vm.pid) != vm || !vm.hasMachine() || vm.machine.exit() == null) {
                    return; // stopped or replaced meanwhile
                }
                VmState state = switch (exit.kind()) {
                    case RESET -> VmState.RESET;
                    case FAILED -> VmState.FAILED;
                    case STOPPED -> VmState.DEFINED;
                };
                LOG.log(exit.kind() == MachineExit.Kind.FAILED ? Level.WARNING : Level.INFO, "VM {0} ended: {1}",
                        vm.name(), exit.message());
                releaseMachine(vm, state, exit.message());
                changed();
            }
        };
        try {
            executor.execute(r);
        } catch (RejectedExecutionException e) {
            // shutting down: deactivation releases the machine
        }
    }

    /** Closes the machine and every device instance of the VM; devices go back to READY / WAITING. */
    private void releaseMachine(ManagedVm vm, VmState state, String detail) {
        Machine m = vm.machine;
        if (m != null) {
            vm.lastExits = vm.exits();
            vm.machine = null;
            m.close();
        }
        for (ManagedDevice d : devicesOf(vm.name())) {
            d.cancelGrace();
            if (d.instance != null) {
                closeDevice(d.instance);
                d.instance = null;
                d.factory = null;
                d.status = DeviceInfo.Status.READY;
            }
            refresh(d);
        }
        vm.state = vm.valid() ? state : VmState.INVALID;
        vm.detail = detail;
    }

    private static void closeDevice(VirtioDevice d) {
        if (d instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing device {0} failed: {1}", d, e.toString());
            }
        }
    }

    // ------------------------------------------------------------------ operations (VmManager)

    List<VmInfo> list() {
        synchronized (lock) {
            return vms.values().stream().map(v -> v.info(devicesOf(v.name()))).sorted(Comparator.comparing(VmInfo::name))
                    .toList();
        }
    }

    VmInfo info(String name) throws VmException {
        synchronized (lock) {
            ManagedVm vm = require(name);
            return vm.info(devicesOf(name));
        }
    }

    /** @return whether a VM of that name is known */
    boolean hasVm(String name) {
        synchronized (lock) {
            return byName(name) != null;
        }
    }

    /** @return the PID of the VM's configuration, or null */
    String vmPid(String name) {
        synchronized (lock) {
            ManagedVm vm = byName(name);
            return vm == null ? null : vm.pid;
        }
    }

    /** @return the PID of the device's configuration, or null */
    String devicePid(String vm, String device) {
        synchronized (lock) {
            ManagedDevice d = find(vm, device);
            return d == null ? null : d.parsed.pid();
        }
    }

    VmInfo start(String name) throws VmException {
        synchronized (lock) {
            ManagedVm vm = require(name);
            startLocked(vm);
            changed();
            return vm.info(devicesOf(name));
        }
    }

    VmInfo stop(String name) throws VmException {
        synchronized (lock) {
            ManagedVm vm = require(name);
            if (!vm.hasMachine()) {
                throw new VmException("VM " + name + " is not running (" + vm.state + ")");
            }
            releaseMachine(vm, VmState.DEFINED, "stopped on request");
            changed();
            return vm.info(devicesOf(name));
        }
    }

    VmInfo pause(String name) throws VmException {
        synchronized (lock) {
            ManagedVm vm = require(name);
            if (!vm.hasMachine() || vm.machine.state() != MachineState.RUNNING) {
                throw new VmException("VM " + name + " is not running (" + vm.state + "): cannot pause it");
            }
            try {
                vm.machine.pause();
                vm.state = VmState.PAUSED;
            } catch (MachineException e) {
                throw new VmException("VM " + name + ": " + e.getMessage(), e);
            }
            changed();
            return vm.info(devicesOf(name));
        }
    }

    VmInfo resume(String name) throws VmException {
        synchronized (lock) {
            ManagedVm vm = require(name);
            if (!vm.hasMachine() || vm.machine.state() != MachineState.PAUSED) {
                throw new VmException("VM " + name + " is not paused (" + vm.state + "): cannot resume it");
            }
            try {
                vm.machine.resume();
                vm.state = VmState.RUNNING;
            } catch (MachineException e) {
                throw new VmException("VM " + name + ": " + e.getMessage(), e);
            }
            changed();
            return vm.info(devicesOf(name));
        }
    }

    List<DeviceInfo> devices(String name) throws VmException {
        return info(name).devices();
    }

    DeviceInfo device(String vmName, String device) throws VmException {
        for (DeviceInfo d : devices(vmName)) {
            if (d.name().equals(device)) {
                return d;
            }
        }
        throw new VmException("VM " + vmName + " has no device " + device);
    }

    /** @return whether the device is configured (valid or not) */
    boolean hasDevice(String vmName, String device) {
        synchronized (lock) {
            return find(vmName, device) != null;
        }
    }

    SwapInfo swap(String vmName, String device, String implementation) throws VmException {
        synchronized (lock) {
            ManagedVm vm = require(vmName);
            ManagedDevice d = find(vmName, device);
            if (d == null) {
                throw new VmException("VM " + vmName + " has no device " + device);
            }
            String wanted = implementation == null || implementation.isBlank() ? null : implementation.trim();
            FactoryRef f = best(d.type(), wanted).orElseThrow(() -> new VmException("no device factory of type "
                    + d.type() + (wanted == null ? "" : " from bundle " + wanted) + " is registered"));
            SwapInfo info = swapLocked(vm, d, f);
            LOG.log(Level.INFO, "{0}/{1}: swapped {2} -> {3} in {4} µs", vmName, device, info.from(), info.to(),
                    info.pause().toNanos() / 1000);
            changed();
            return info;
        }
    }

    AutoCloseable attachConsole(String name, OutputStream out) throws VmException {
        synchronized (lock) {
            ManagedVm vm = require(name);
            if (!vm.hasMachine()) {
                throw new VmException("VM " + name + " is not running (" + vm.state + "): no console to attach to");
            }
            return vm.console.attach(out);
        }
    }

    int consoleInput(String name, byte[] bytes) throws VmException {
        synchronized (lock) {
            ManagedVm vm = require(name);
            if (!vm.hasMachine()) {
                throw new VmException("VM " + name + " is not running (" + vm.state + "): no console");
            }
            return vm.machine.consoleInput(bytes);
        }
    }

    List<String> configErrors() {
        synchronized (lock) {
            List<String> out = new ArrayList<>();
            for (ManagedDevice d : devices.values()) {
                if (d.status == DeviceInfo.Status.INVALID && (d.vm() == null || byName(d.vm()) == null)) {
                    out.add(d.error);
                }
            }
            return out;
        }
    }

    /**
     * Waits until a condition on the inventory holds, re-checked after every change.
     *
     * @return whether it held within the timeout
     */
    boolean await(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    /** Stops every machine and closes every device instance (deactivation). */
    void shutdown() {
        synchronized (lock) {
            for (ManagedVm vm : new ArrayList<>(vms.values())) {
                dropVm(vm);
            }
            for (ManagedDevice d : devices.values()) {
                d.cancelGrace();
            }
            devices.clear();
            factories.clear();
            changed();
        }
    }

    // ------------------------------------------------------------------ lookups (under the lock)

    private void changed() {
        lock.notifyAll();
    }

    private ManagedVm require(String name) throws VmException {
        ManagedVm vm = vmNamed(name);
        if (vm == null) {
            throw new VmException("no VM named " + name + (name != null && ConfigNames.NAME.matcher(name).matches() ? ""
                    : " (VM names are 1-64 letters, digits, '.', '_' or '-')"));
        }
        return vm;
    }

    /** @return the VM of that name that owns it (the first configuration to claim it), or null */
    private ManagedVm vmNamed(String name) {
        if (name == null) {
            return null;
        }
        for (ManagedVm vm : vms.values()) {
            if (vm.name().equals(name)) {
                return vm;
            }
        }
        return null;
    }

    private ManagedVm byName(String name) {
        return vmNamed(name);
    }

    /** @return the device of that name in that VM, a valid configuration preferred, or null */
    private ManagedDevice find(String vm, String name) {
        for (ManagedDevice d : devices.values()) {
            if (vm != null && vm.equals(d.vm()) && d.name().equals(name) && d.status != DeviceInfo.Status.INVALID) {
                return d;
            }
        }
        for (ManagedDevice d : devices.values()) {
            if (vm != null && vm.equals(d.vm()) && d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    private List<ManagedDevice> devicesOf(String vm) {
        return devices.values().stream().filter(d -> vm.equals(d.vm())).toList();
    }
}
