package org.virtio.vmm.internal;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.virtio.vmm.api.VmManager;

/**
 * One VM configuration: DS makes one instance per factory configuration {@value VmManager#VM_FACTORY_PID}
 * ({@code etc/org.virtio.vm-<name>.cfg} through FileInstall) and hands its raw properties to the
 * manager, which validates them (a wrong value is reported with its file and key, not coerced).
 */
@Component(service = {}, configurationPid = VmManager.VM_FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = VmConfiguration.class, factory = true)
public final class VmComponent {
    private final VmRegistry registry;
    private final String pid;

    /**
     * @param registry the manager
     * @param props    the configuration
     */
    @Activate
    public VmComponent(@Reference VmRegistry registry, Map<String, Object> props) {
        this.registry = registry;
        this.pid = String.valueOf(props.get(ConfigNames.SERVICE_PID));
        registry.vmConfigured(pid, props);
    }

    /** @param props the updated configuration */
    @Modified
    void modified(Map<String, Object> props) {
        registry.vmConfigured(pid, props);
    }

    @Deactivate
    void deactivate() {
        registry.vmRemoved(pid);
    }
}
