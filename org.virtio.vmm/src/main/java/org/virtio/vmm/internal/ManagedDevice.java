package org.virtio.vmm.internal;

import java.util.List;
import java.util.concurrent.ScheduledFuture;

import org.virtio.core.device.VirtioDevice;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.QueueInfo;
import org.virtio.vmm.machine.AttachedDevice;

/** One device configuration and its instance, if any. Guarded by the {@link Inventory}'s lock. */
final class ManagedDevice {
    final DeviceSettings.Parsed parsed;
    DeviceInfo.Status status;
    String error = "";
    VirtioDevice instance;
    FactoryRef factory;
    long swaps;
    ScheduledFuture<?> grace;

    ManagedDevice(DeviceSettings.Parsed parsed) {
        this.parsed = parsed;
        this.status = parsed.valid() ? DeviceInfo.Status.WAITING : DeviceInfo.Status.INVALID;
        if (!parsed.valid()) {
            error = String.join("; ", parsed.errors());
        }
    }

    String name() {
        return parsed.name();
    }

    String vm() {
        return parsed.vm();
    }

    String type() {
        return parsed.valid() ? parsed.settings().type() : "";
    }

    boolean attached() {
        return instance != null && (status == DeviceInfo.Status.ATTACHED || status == DeviceInfo.Status.ORPHANED);
    }

    void cancelGrace() {
        if (grace != null) {
            grace.cancel(false);
            grace = null;
        }
    }

    /** @param a the machine's view of the device when attached, else null */
    DeviceInfo info(AttachedDevice a) {
        List<QueueInfo> queues = a == null ? List.of() : a.queues().stream()
                .map(q -> new QueueInfo(q.index(), q.size(), q.ready(), q.notifications(), q.interrupts())).toList();
        return new DeviceInfo(name(), vm() == null ? "" : vm(), type(), instance == null ? 0 : instance.deviceType(), status,
                a == null ? -1 : a.window().base(), a == null ? -1 : a.window().irq(), a == null ? 0 : a.driverStatus(),
                queues, factory == null || instance == null ? "" : factory.implementation(),
                instance == null ? "" : instance.getClass().getName(), swaps, parsed.source(), error);
    }
}
