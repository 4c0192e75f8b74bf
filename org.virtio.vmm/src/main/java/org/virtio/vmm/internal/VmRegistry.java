package org.virtio.vmm.internal;

import java.util.Map;

/**
 * What the configuration components report to the manager (an internal service of this bundle): VM
 * configurations from {@link VmComponent}, device configurations from {@link DeviceConfigWatcher}.
 */
public interface VmRegistry {
    /** @param pid a VM configuration's PID  @param props its properties */
    void vmConfigured(String pid, Map<String, ?> props);

    /** @param pid a deleted VM configuration's PID */
    void vmRemoved(String pid);

    /** @param pid a device configuration's PID  @param factoryPid its factory PID  @param props its properties */
    void deviceConfigured(String pid, String factoryPid, Map<String, ?> props);

    /** @param pid a deleted device configuration's PID */
    void deviceRemoved(String pid);
}
