package org.virtio.vmm.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Pattern;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.SwapInfo;
import org.virtio.vmm.api.VmException;
import org.virtio.vmm.api.VmInfo;
import org.virtio.vmm.api.VmManager;

/**
 * The {@link VmManager} service: the {@link Inventory} behind it receives VM configurations from
 * {@link VmComponent}s, device configurations from the {@link DeviceConfigWatcher}, and every
 * {@link VirtioDeviceFactory} service (multiple, dynamic, greedy: a factory installed later hot-plugs its
 * devices; one going away orphans them for the grace period). Create and remove calls write Config Admin
 * configurations and wait until the manager has applied them, so the shell and {@code etc/} files take
 * one path.
 */
@Component(service = {VmManager.class, VmRegistry.class}, configurationPid = ManagerConfiguration.PID)
@Designate(ocd = ManagerConfiguration.class)
public final class VmManagerImpl implements VmManager, VmRegistry {
    /** How long create/remove calls wait for Config Admin and DS to deliver the change. */
    private static final Duration APPLY_WAIT = Duration.ofSeconds(10);
    private static final Pattern TYPE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

    private final ConfigurationAdmin cm;
    private final ScheduledExecutorService executor;
    private final Inventory inventory;

    /**
     * @param config the manager's settings
     * @param cm     Config Admin, where create/remove write
     */
    @Activate
    public VmManagerImpl(ManagerConfiguration config, @Reference ConfigurationAdmin cm) {
        this.cm = cm;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("virtio-vmm-manager").unstarted(r));
        this.inventory = new Inventory(Duration.ofMillis(Math.max(0, config.swap_grace_ms())),
                Duration.ofMillis(Math.max(0, config.autostart_wait_ms())), executor, new VmMBeans(this));
        // Device configurations before any VM configuration (VmComponents need this service, so they come
        // after this constructor): an autostart VM then knows which device factories to wait for.
        DeviceConfigWatcher.readExisting(cm, this);
    }

    /** @param factory a device factory  @param ref its service reference */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeFactory")
    void addFactory(VirtioDeviceFactory factory, ServiceReference<VirtioDeviceFactory> ref) {
        inventory.factoryAdded(FactoryRef.of(factory, properties(ref), ref.getBundle()));
    }

    void removeFactory(VirtioDeviceFactory factory, ServiceReference<VirtioDeviceFactory> ref) {
        inventory.factoryRemoved(FactoryRef.of(factory, properties(ref), ref.getBundle()));
    }

    private static Map<String, Object> properties(ServiceReference<?> ref) {
        Map<String, Object> m = new java.util.HashMap<>();
        for (String k : ref.getPropertyKeys()) {
            m.put(k, ref.getProperty(k));
        }
        return m;
    }

    /** @param config the manager's changed settings: applied without restarting it (and its VMs) */
    @Modified
    void modified(ManagerConfiguration config) {
        inventory.setTimings(Duration.ofMillis(Math.max(0, config.swap_grace_ms())),
                Duration.ofMillis(Math.max(0, config.autostart_wait_ms())));
    }

    @Deactivate
    void deactivate() {
        inventory.shutdown();
        executor.shutdownNow();
    }

    // ------------------------------------------------------------------ VmRegistry

    @Override
    public void vmConfigured(String pid, Map<String, ?> props) {
        inventory.vmConfigured(pid, props);
    }

    @Override
    public void vmRemoved(String pid) {
        inventory.vmRemoved(pid);
    }

    @Override
    public void deviceConfigured(String pid, String factoryPid, Map<String, ?> props) {
        inventory.deviceConfigured(pid, factoryPid, props);
    }

    @Override
    public void deviceRemoved(String pid) {
        inventory.deviceRemoved(pid);
    }

    // ------------------------------------------------------------------ VmManager

    @Override
    public List<VmInfo> list() {
        return inventory.list();
    }

    @Override
    public VmInfo info(String vm) throws VmException {
        return inventory.info(vm);
    }

    @Override
    public VmInfo create(String vm, Map<String, ?> properties) throws VmException {
        checkName(vm, "VM");
        if (inventory.hasVm(vm)) {
            throw new VmException("a VM named " + vm + " exists already");
        }
        Hashtable<String, Object> dict = copy(properties, VmManager.NAME);
        try {
            Configuration c = cm.getFactoryConfiguration(VM_FACTORY_PID, vm, "?");
            c.update(dict);
        } catch (IOException | RuntimeException e) {
            throw new VmException("cannot write the configuration of VM " + vm + ": " + e.getMessage(), e);
        }
        await(() -> inventory.hasVm(vm), "VM " + vm + " was written to Config Admin but did not appear");
        return inventory.info(vm);
    }

    @Override
    public void remove(String vm) throws VmException {
        String pid = inventory.vmPid(vm);
        if (pid == null) {
            throw new VmException("no VM named " + vm);
        }
        delete(pid);
        await(() -> !pid.equals(inventory.vmPid(vm)), "the configuration of VM " + vm + " was deleted but the VM remains");
    }

    @Override
    public VmInfo start(String vm) throws VmException {
        return inventory.start(vm);
    }

    @Override
    public VmInfo stop(String vm) throws VmException {
        return inventory.stop(vm);
    }

    @Override
    public VmInfo pause(String vm) throws VmException {
        return inventory.pause(vm);
    }

    @Override
    public VmInfo resume(String vm) throws VmException {
        return inventory.resume(vm);
    }

    @Override
    public List<DeviceInfo> devices(String vm) throws VmException {
        return inventory.devices(vm);
    }

    @Override
    public DeviceInfo device(String vm, String device) throws VmException {
        return inventory.device(vm, device);
    }

    @Override
    public DeviceInfo addDevice(String vm, String device, String type, Map<String, ?> properties) throws VmException {
        checkName(vm, "VM");
        checkName(device, "device");
        if (type == null || !TYPE.matcher(type).matches()) {
            throw new VmException("invalid device type \"" + type + "\": use 1-32 lower-case letters, digits, '_' or '-'");
        }
        if (inventory.hasDevice(vm, device)) {
            throw new VmException("VM " + vm + " has a device named " + device + " already");
        }
        Hashtable<String, Object> dict = copy(properties, DEVICE_VM);
        dict.remove(DEVICE_NAME);
        dict.put(DEVICE_VM, vm);
        dict.put(DEVICE_NAME, device);
        try {
            // Named <vm>.<device>: device names are unique per VM only.
            Configuration c = cm.getFactoryConfiguration(DEVICE_FACTORY_PID_PREFIX + type, vm + "." + device, "?");
            c.update(dict);
        } catch (IOException | RuntimeException e) {
            throw new VmException("cannot write the configuration of device " + device + ": " + e.getMessage(), e);
        }
        await(() -> inventory.hasDevice(vm, device), "device " + device + " was written to Config Admin but did not appear");
        return inventory.device(vm, device);
    }

    @Override
    public void removeDevice(String vm, String device) throws VmException {
        String pid = inventory.devicePid(vm, device);
        if (pid == null) {
            throw new VmException("VM " + vm + " has no device " + device);
        }
        delete(pid);
        await(() -> !pid.equals(inventory.devicePid(vm, device)),
                "the configuration of device " + device + " was deleted but the device remains");
    }

    @Override
    public SwapInfo swapDevice(String vm, String device, String implementation) throws VmException {
        return inventory.swap(vm, device, implementation);
    }

    @Override
    public AutoCloseable attachConsole(String vm, OutputStream out) throws VmException {
        if (out == null) {
            throw new VmException("no output stream given for the console of VM " + vm);
        }
        return inventory.attachConsole(vm, out);
    }

    @Override
    public int sendConsoleInput(String vm, byte[] bytes) throws VmException {
        if (bytes == null) {
            throw new VmException("no input given for the console of VM " + vm);
        }
        return inventory.consoleInput(vm, bytes);
    }

    @Override
    public List<String> configErrors() {
        return inventory.configErrors();
    }

    // ------------------------------------------------------------------ helpers

    private static void checkName(String name, String what) throws VmException {
        if (name == null || !ConfigNames.NAME.matcher(name).matches()) {
            throw new VmException("invalid " + what + " name \"" + name + "\": use 1-64 letters, digits, '.', '_' or '-'");
        }
    }

    /** @return the properties as Config Admin takes them; values must be strings, numbers or booleans */
    private static Hashtable<String, Object> copy(Map<String, ?> properties, String reservedKey) throws VmException {
        Hashtable<String, Object> dict = new Hashtable<>();
        if (properties != null) {
            for (Map.Entry<String, ?> e : properties.entrySet()) {
                Object v = e.getValue();
                if (e.getKey() == null || v == null) {
                    throw new VmException("property " + e.getKey() + ": null keys and values are not allowed");
                }
                if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
                    throw new VmException("property " + e.getKey() + ": must be a string, number or boolean, got "
                            + v.getClass().getSimpleName());
                }
                dict.put(e.getKey(), v);
            }
        }
        return dict;
    }

    private void delete(String pid) throws VmException {
        try {
            Configuration[] found = cm.listConfigurations("(" + ConfigNames.SERVICE_PID + "="
                    + DeviceConfigWatcher.escape(pid) + ")");
            if (found == null) {
                throw new VmException("configuration " + pid + " is not in Config Admin");
            }
            for (Configuration c : found) {
                c.delete();
            }
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            throw new VmException("cannot delete configuration " + pid + ": " + e.getMessage(), e);
        }
    }

    private void await(java.util.function.BooleanSupplier condition, String failure) throws VmException {
        try {
            if (!inventory.await(condition, APPLY_WAIT)) {
                throw new VmException(failure + " within " + APPLY_WAIT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmException("interrupted while waiting: " + failure, e);
        }
    }
}
