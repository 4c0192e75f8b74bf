package org.virtio.vmm.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.virtio.vmm.api.VmManager;

/**
 * Device configurations: factory PIDs {@value VmManager#DEVICE_FACTORY_PID_PREFIX}{@code <type>} for any
 * type. The set of types is open (a device bundle installed later brings a new one), so no DS component
 * can name them all as its configuration PID; a {@link ConfigurationListener} sees every factory PID
 * with the prefix. On activation the existing configurations are read, then events keep the manager
 * current.
 */
@Component(service = ConfigurationListener.class)
public final class DeviceConfigWatcher implements ConfigurationListener {
    private static final Logger LOG = System.getLogger(DeviceConfigWatcher.class.getName());
    private static final String FILTER = "(" + ConfigNames.FACTORY_PID + "=" + VmManager.DEVICE_FACTORY_PID_PREFIX + "*)";

    private final ConfigurationAdmin cm;
    private final VmRegistry registry;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    /**
     * @param cm       Config Admin
     * @param registry the manager
     */
    @Activate
    public DeviceConfigWatcher(@Reference ConfigurationAdmin cm, @Reference VmRegistry registry) {
        this.cm = cm;
        this.registry = registry;
        for (Configuration c : existing(cm)) {
            reported.add(c.getPid());
            report(registry, c);
        }
    }

    /** Hands every existing device configuration to the registry (the manager does so before VMs arrive). */
    static void readExisting(ConfigurationAdmin cm, VmRegistry registry) {
        for (Configuration c : existing(cm)) {
            report(registry, c);
        }
    }

    private static Configuration[] existing(ConfigurationAdmin cm) {
        try {
            Configuration[] found = cm.listConfigurations(FILTER);
            return found == null ? new Configuration[0] : found;
        } catch (IOException | InvalidSyntaxException e) {
            LOG.log(Level.ERROR, "cannot list device configurations: {0}", e.toString());
            return new Configuration[0];
        }
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        String factoryPid = event.getFactoryPid();
        if (factoryPid == null || !factoryPid.startsWith(VmManager.DEVICE_FACTORY_PID_PREFIX)) {
            return;
        }
        if (event.getType() == ConfigurationEvent.CM_DELETED) {
            if (reported.remove(event.getPid())) {
                registry.deviceRemoved(event.getPid());
            }
            return;
        }
        if (event.getType() == ConfigurationEvent.CM_UPDATED) {
            try {
                // listConfigurations, not getConfiguration: the latter would bind the configuration to this bundle.
                Configuration[] found = cm.listConfigurations("(" + ConfigNames.SERVICE_PID + "=" + escape(event.getPid()) + ")");
                if (found != null) {
                    for (Configuration c : found) {
                        reported.add(c.getPid());
                        report(registry, c);
                    }
                }
            } catch (IOException | InvalidSyntaxException e) {
                LOG.log(Level.ERROR, "cannot read device configuration {0}: {1}", event.getPid(), e.toString());
            }
        }
    }

    private static void report(VmRegistry registry, Configuration c) {
        Dictionary<String, Object> d = c.getProperties();
        if (d == null) {
            return; // created, not yet updated
        }
        Map<String, Object> props = new HashMap<>();
        for (String k : Collections.list(d.keys())) {
            props.put(k, d.get(k));
        }
        registry.deviceConfigured(c.getPid(), c.getFactoryPid(), props);
    }

    /** RFC 1960 escaping of a filter value. */
    static String escape(String value) {
        StringBuilder b = new StringBuilder();
        for (char ch : value.toCharArray()) {
            if (ch == '\\' || ch == '*' || ch == '(' || ch == ')') {
                b.append('\\');
            }
            b.append(ch);
        }
        return b.toString();
    }

    @Deactivate
    void deactivate() {
        for (String pid : reported) {
            registry.deviceRemoved(pid);
        }
        reported.clear();
    }
}
