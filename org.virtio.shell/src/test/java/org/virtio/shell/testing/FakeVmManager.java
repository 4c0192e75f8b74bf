package org.virtio.shell.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.ExitCounts;
import org.virtio.vmm.api.QueueInfo;
import org.virtio.vmm.api.SwapInfo;
import org.virtio.vmm.api.VmException;
import org.virtio.vmm.api.VmInfo;
import org.virtio.vmm.api.VmManager;
import org.virtio.vmm.api.VmState;

/**
 * An in-memory {@link VmManager} for the command tests: VMs and devices in maps, the state rules of the
 * real manager (start from DEFINED/RESET/FAILED, stop from RUNNING/PAUSED, ...), and a log of every call that
 * changes something, so a test can check that a wrong command changed nothing.
 */
public final class FakeVmManager implements VmManager {
    /** Every changing call, e.g. {@code create demo {kernel=...}}, in order. */
    public final List<String> changes = new CopyOnWriteArrayList<>();
    /** Console input the commands sent. */
    public final List<byte[]> consoleInput = new CopyOnWriteArrayList<>();
    /** The console output streams attached now. */
    public final List<OutputStream> consoles = new CopyOnWriteArrayList<>();

    private final Map<String, VmInfo> vms = new TreeMap<>();
    private final Map<String, Map<String, DeviceInfo>> devices = new TreeMap<>();
    /** Errors create() reports (and so makes the VM INVALID); none by default. */
    public List<String> createErrors = List.of();
    /** Status addDevice() gives new devices. */
    public DeviceInfo.Status addStatus = DeviceInfo.Status.READY;

    /** Defines a VM directly (no change is logged). */
    public synchronized FakeVmManager vm(String name, VmState state) {
        vms.put(name, vmInfo(name, state, 64, 1, "/guests/test.elf", "", List.of()));
        devices.putIfAbsent(name, new TreeMap<>());
        return this;
    }

    /** Adds a device directly (no change is logged). */
    public synchronized FakeVmManager device(String vm, String name, String type, DeviceInfo.Status status) {
        devices.computeIfAbsent(vm, v -> new TreeMap<>()).put(name, deviceInfo(vm, name, type, status, 0));
        return this;
    }

    @Override
    public synchronized List<VmInfo> list() {
        return vms.keySet().stream().map(this::withDevices).toList();
    }

    @Override
    public synchronized VmInfo info(String vm) throws VmException {
        return withDevices(existing(vm).name());
    }

    @Override
    public synchronized VmInfo create(String vm, Map<String, ?> properties) throws VmException {
        if (vms.containsKey(vm)) {
            throw new VmException("VM " + vm + " already exists");
        }
        changes.add("create " + vm + " " + new TreeMap<>(properties));
        Map<String, Object> p = new TreeMap<>(properties);
        vms.put(vm, vmInfo(vm, createErrors.isEmpty() ? VmState.DEFINED : VmState.INVALID,
                ((Number) p.getOrDefault(MEMORY, 64)).intValue(), ((Number) p.getOrDefault(VCPUS, 1)).intValue(),
                (String) p.get(KERNEL), (String) p.getOrDefault(CMDLINE, ""), createErrors));
        devices.putIfAbsent(vm, new TreeMap<>());
        return withDevices(vm);
    }

    @Override
    public synchronized void remove(String vm) throws VmException {
        existing(vm);
        changes.add("remove " + vm);
        vms.remove(vm);
    }

    @Override
    public synchronized VmInfo start(String vm) throws VmException {
        return move(vm, "start", VmState.RUNNING, VmState.DEFINED, VmState.RESET, VmState.FAILED);
    }

    @Override
    public synchronized VmInfo stop(String vm) throws VmException {
        return move(vm, "stop", VmState.DEFINED, VmState.RUNNING, VmState.PAUSED);
    }

    @Override
    public synchronized VmInfo pause(String vm) throws VmException {
        return move(vm, "pause", VmState.PAUSED, VmState.RUNNING);
    }

    @Override
    public synchronized VmInfo resume(String vm) throws VmException {
        return move(vm, "resume", VmState.RUNNING, VmState.PAUSED);
    }

    /** Sets a VM's state as the machine would (e.g. the guest reset it); no change is logged. */
    public synchronized void setState(String vm, VmState state) {
        VmInfo v = vms.get(vm);
        vms.put(vm, vmInfo(vm, state, v.memoryMib(), v.vcpus(), v.kernel(), v.commandLine(), v.errors()));
    }

    @Override
    public synchronized List<DeviceInfo> devices(String vm) throws VmException {
        existing(vm);
        return List.copyOf(devices.get(vm).values());
    }

    @Override
    public synchronized DeviceInfo device(String vm, String device) throws VmException {
        existing(vm);
        DeviceInfo d = devices.get(vm).get(device);
        if (d == null) {
            throw new VmException("VM " + vm + " has no device " + device);
        }
        return d;
    }

    @Override
    public synchronized DeviceInfo addDevice(String vm, String device, String type, Map<String, ?> properties)
            throws VmException {
        Map<String, DeviceInfo> of = devices.computeIfAbsent(vm, v -> new TreeMap<>());
        if (of.containsKey(device)) {
            throw new VmException("VM " + vm + " already has a device " + device);
        }
        changes.add("addDevice " + vm + " " + device + " " + type + " " + new TreeMap<>(properties));
        DeviceInfo d = deviceInfo(vm, device, type, addStatus, 0);
        of.put(device, d);
        return d;
    }

    @Override
    public synchronized void removeDevice(String vm, String device) throws VmException {
        device(vm, device);
        changes.add("removeDevice " + vm + " " + device);
        devices.get(vm).remove(device);
    }

    @Override
    public synchronized SwapInfo swapDevice(String vm, String device, String implementation) throws VmException {
        DeviceInfo d = device(vm, device);
        if (d.status() != DeviceInfo.Status.ATTACHED) {
            throw new VmException("device " + device + " of VM " + vm + " is " + d.status() + ", not ATTACHED");
        }
        changes.add("swapDevice " + vm + " " + device + " " + implementation);
        devices.get(vm).put(device, deviceInfo(vm, device, d.type(), d.status(), d.swaps() + 1));
        String to = implementation == null || implementation.isEmpty() ? d.implementation() : implementation;
        return new SwapInfo(vm, device, d.implementation(), to, Duration.ofNanos(1_500_000));
    }

    @Override
    public synchronized AutoCloseable attachConsole(String vm, OutputStream out) throws VmException {
        existing(vm);
        consoles.add(out);
        return () -> consoles.remove(out);
    }

    /** Writes guest serial output to every attached console, as the vCPU thread would. */
    public void guestPrints(String text) throws IOException {
        for (OutputStream out : consoles) {
            out.write(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    @Override
    public synchronized int sendConsoleInput(String vm, byte[] bytes) throws VmException {
        existing(vm);
        consoleInput.add(bytes.clone());
        return bytes.length;
    }

    @Override
    public List<String> configErrors() {
        return List.of();
    }

    private VmInfo existing(String vm) throws VmException {
        VmInfo v = vms.get(vm);
        if (v == null) {
            throw new VmException("no VM named " + vm);
        }
        return v;
    }

    private VmInfo move(String vm, String verb, VmState to, VmState... from) throws VmException {
        VmInfo v = existing(vm);
        if (!List.of(from).contains(v.state())) {
            throw new VmException("cannot " + verb + " VM " + vm + ": it is " + v.state());
        }
        changes.add(verb + " " + vm);
        setState(vm, to);
        return withDevices(vm);
    }

    private VmInfo withDevices(String vm) {
        VmInfo v = vms.get(vm);
        List<DeviceInfo> of = new ArrayList<>(devices.getOrDefault(vm, Map.of()).values());
        return new VmInfo(v.name(), v.state(), v.detail(), v.memoryMib(), v.vcpus(), v.kernel(), v.commandLine(),
                v.autostart(), v.hotplugSlots(), of, v.exits(), v.source(), v.errors());
    }

    private static VmInfo vmInfo(String name, VmState state, int memory, int vcpus, String kernel, String cmdline,
            List<String> errors) {
        return new VmInfo(name, state, "", memory, vcpus, kernel, cmdline, false, 2, List.of(),
                new ExitCounts(10, 20, 1, 2, 1), "/etc/org.virtio.vm-" + name + ".cfg", errors);
    }

    private static DeviceInfo deviceInfo(String vm, String name, String type, DeviceInfo.Status status, long swaps) {
        boolean attached = status == DeviceInfo.Status.ATTACHED;
        return new DeviceInfo(name, vm, type, attached ? 2 : 0, status, attached ? 0xd0000000L : -1, attached ? 5 : -1,
                attached ? 0xf : 0, attached ? List.of(new QueueInfo(0, 64, true, 123, 120)) : List.of(),
                attached ? "org.virtio.device." + type + "/1.0.0 [42]" : "", attached ? "org.virtio.device.blk.BlkDevice" : "",
                swaps, "/etc/org.virtio.device." + type + "-" + name + ".cfg",
                status == DeviceInfo.Status.FAILED || status == DeviceInfo.Status.INVALID ? "bad path" : "");
    }
}
