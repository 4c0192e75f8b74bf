package org.virtio.vmm.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.ExitCounts;
import org.virtio.vmm.api.VmInfo;
import org.virtio.vmm.api.VmState;
import org.virtio.vmm.machine.AttachedDevice;
import org.virtio.vmm.machine.ExitCounters;
import org.virtio.vmm.machine.Machine;

/** One VM configuration and its machine, if any. Guarded by the {@link Inventory}'s lock. */
final class ManagedVm {
    final String pid;
    final VmSettings.Parsed parsed;
    final List<String> errors;
    final ConsoleFanout console = new ConsoleFanout();
    VmState state;
    String detail = "";
    Machine machine;
    ExitCounts lastExits = ExitCounts.NONE;
    /** Autostart requested, waiting for device factories (see Inventory#requestAutostart). */
    boolean autostartPending;
    java.util.concurrent.ScheduledFuture<?> autostartTimer;

    ManagedVm(String pid, VmSettings.Parsed parsed, List<String> errors) {
        this.pid = pid;
        this.parsed = parsed;
        this.errors = List.copyOf(errors);
        this.state = errors.isEmpty() ? VmState.DEFINED : VmState.INVALID;
    }

    String name() {
        return parsed.name();
    }

    void cancelAutostart() {
        autostartPending = false;
        if (autostartTimer != null) {
            autostartTimer.cancel(false);
            autostartTimer = null;
        }
    }

    boolean valid() {
        return errors.isEmpty() && parsed.valid();
    }

    boolean hasMachine() {
        return machine != null;
    }

    ExitCounts exits() {
        if (machine == null) {
            return lastExits;
        }
        ExitCounters c = machine.exitCounters();
        return new ExitCounts(c.pio(), c.mmio(), c.unclaimedPio(), c.unclaimedMmio(), c.runs());
    }

    VmInfo info(List<ManagedDevice> devices) {
        Map<String, AttachedDevice> attached = new LinkedHashMap<>();
        if (machine != null) {
            for (AttachedDevice a : machine.devices()) {
                attached.put(a.name(), a);
            }
        }
        List<DeviceInfo> infos = devices.stream().map(d -> d.info(d.attached() ? attached.get(d.name()) : null)).toList();
        VmSettings s = parsed.settings();
        return new VmInfo(name(), state, detail, s == null ? 0 : s.memoryMib(), s == null ? 0 : s.vcpus(),
                s == null ? "" : s.kernel().toString(), s == null ? "" : s.commandLine(), s != null && s.autostart(),
                s == null ? 0 : s.hotplugSlots(), infos, exits(), parsed.source(), errors);
    }
}
