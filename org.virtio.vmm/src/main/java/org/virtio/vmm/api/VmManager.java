package org.virtio.vmm.api;

import java.io.OutputStream;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The VM manager service: KVM virtual machines and their VirtIO devices (virtio-mmio transport, VirtIO 1.3
 * §4.2), defined by Config Admin factory configurations.
 *
 * <p><b>VMs</b>: factory PID {@value #VM_FACTORY_PID}, e.g. {@code etc/org.virtio.vm-demo.cfg} with the
 * keys {@value #KERNEL}, {@value #CMDLINE}, {@value #MEMORY} (MiB), {@value #VCPUS}, {@value #AUTOSTART},
 * {@value #INITRD}, {@value #HOTPLUG_SLOTS}. <b>Devices</b>: factory PID
 * {@value #DEVICE_FACTORY_PID_PREFIX}{@code <type>}, e.g. {@code etc/org.virtio.device.blk-disk0.cfg} with
 * {@value #DEVICE_VM}{@code =demo} and the device's own keys, given to the
 * {@code org.virtio.core.device.VirtioDeviceFactory} service whose {@code virtio.device.type} is the type.
 * A device whose factory is absent waits and is attached (hot-plugged into a running VM) when the factory
 * appears; when the factory goes away the device is detached, unless a factory of the same type comes
 * back within the grace period (a bundle update): then a new instance is swapped in under the running
 * guest.
 *
 * <p>Names: VM and device names are 1 to 64 characters of letters, digits, '.', '_' and '-'.
 * Every method is thread-safe; none throws a runtime exception on bad input.
 */
@ProviderType
public interface VmManager {
    /** Factory PID of VM configurations. */
    String VM_FACTORY_PID = "org.virtio.vm";
    /** Device configurations have factory PID this prefix + the device type name. */
    String DEVICE_FACTORY_PID_PREFIX = "org.virtio.device.";
    /** VM key: path of the kernel image (ELF with a PVH note, or bzImage); required. */
    String KERNEL = "kernel";
    /** VM key: kernel command line; default empty. */
    String CMDLINE = "cmdline";
    /** VM key: guest RAM in MiB, 1 to 3072 (RAM ends below the first virtio-mmio window); default 64. */
    String MEMORY = "memory";
    /** VM key: number of vCPUs, 1 to the host's KVM limit; default 1. */
    String VCPUS = "vcpus";
    /** VM key: start when the configuration is valid; default false. */
    String AUTOSTART = "autostart";
    /** VM key: path of an initrd / initramfs; optional. */
    String INITRD = "initrd";
    /** VM key: spare virtio-mmio windows for devices added while the VM runs; default 2. */
    String HOTPLUG_SLOTS = "hotplug.slots";
    /** VM key: the VM's name, when not given by the configuration's name ({@code org.virtio.vm-<name>.cfg}). */
    String NAME = "name";
    /** Device key: the VM the device belongs to; required. */
    String DEVICE_VM = "vm";
    /** Device key: the device's name within its VM, when not given by the configuration's name. */
    String DEVICE_NAME = "name";

    /** @return every VM known, valid or not, sorted by name */
    List<VmInfo> list();

    /**
     * @param vm a VM name
     * @return the VM
     * @throws VmException when there is no such VM
     */
    VmInfo info(String vm) throws VmException;

    /**
     * Defines a VM by writing a factory configuration {@value #VM_FACTORY_PID} named {@code vm} (PID
     * {@code org.virtio.vm~<vm>}). The configuration is validated as one read from {@code etc/}; a rejected
     * one is still created and shows as {@link VmState#INVALID}.
     *
     * @param vm         the new VM's name
     * @param properties the VM keys (values as strings, numbers or booleans)
     * @return the VM as the manager sees it once the configuration is applied
     * @throws VmException when the name is invalid or taken, or Config Admin is not available
     */
    VmInfo create(String vm, Map<String, ?> properties) throws VmException;

    /**
     * Stops the VM if it runs and deletes its configuration from Config Admin (whether an {@code etc/} file
     * goes too is FileInstall's business). Its device configurations stay, waiting for a VM of that name.
     *
     * @param vm a VM name
     * @throws VmException when there is no such VM or Config Admin fails
     */
    void remove(String vm) throws VmException;

    /**
     * Builds the machine (RAM, kernel, devices whose factories are present) and starts its vCPUs.
     *
     * @param vm a VM name
     * @return the VM, {@link VmState#RUNNING}
     * @throws VmException when the VM is invalid, already running or paused, or the machine cannot be built
     *                     (the message names the file, KVM or the device)
     */
    VmInfo start(String vm) throws VmException;

    /**
     * Stops the vCPUs and releases the machine (RAM, KVM descriptors, device windows); devices stay configured.
     *
     * @param vm a VM name
     * @return the VM, {@link VmState#DEFINED}
     * @throws VmException when there is no such VM or it is not running or paused
     */
    VmInfo stop(String vm) throws VmException;

    /**
     * Halts the vCPUs, keeping all guest and device state.
     *
     * @param vm a VM name
     * @return the VM, {@link VmState#PAUSED}
     * @throws VmException when it is not running
     */
    VmInfo pause(String vm) throws VmException;

    /**
     * Restarts the vCPUs of a paused VM where they stopped.
     *
     * @param vm a VM name
     * @return the VM, {@link VmState#RUNNING}
     * @throws VmException when it is not paused
     */
    VmInfo resume(String vm) throws VmException;

    /**
     * @param vm a VM name
     * @return its configured devices
     * @throws VmException when there is no such VM
     */
    List<DeviceInfo> devices(String vm) throws VmException;

    /**
     * @param vm     a VM name
     * @param device a device name
     * @return the device
     * @throws VmException when there is no such VM or device
     */
    DeviceInfo device(String vm, String device) throws VmException;

    /**
     * Adds a device by writing a factory configuration {@value #DEVICE_FACTORY_PID_PREFIX}{@code <type>}
     * named {@code device}, with {@value #DEVICE_VM}{@code =vm}. It is attached (hot-plugged into a spare
     * window when the VM runs) as soon as the type's factory is present.
     *
     * @param vm         a VM name (the VM need not exist yet)
     * @param device     the device's name, unique in the VM
     * @param type       the device type name ("blk", "rng", ...)
     * @param properties the device's own keys, passed to its factory
     * @return the device as the manager sees it once the configuration is applied
     * @throws VmException when a name or the type is invalid, the name is taken in that VM, or Config Admin fails
     */
    DeviceInfo addDevice(String vm, String device, String type, Map<String, ?> properties) throws VmException;

    /**
     * Detaches the device from the running VM (if attached) and deletes its configuration.
     *
     * @param vm     a VM name
     * @param device a device name
     * @throws VmException when there is no such device or Config Admin fails
     */
    void removeDevice(String vm, String device) throws VmException;

    /**
     * Replaces the implementation serving an attached device under the running guest (live swap): a new
     * instance is made by the device type's factory registered by {@code implementation} and takes over
     * the device's queues and state (VirtIO 1.3 §2.6 ring positions are untouched; in-flight requests are
     * completed exactly once).
     *
     * @param vm             a VM name
     * @param device         an attached device
     * @param implementation the bundle whose factory makes the replacement: a bundle id or symbolic name; null
     *                       or empty for the best factory of the type now registered (possibly the same bundle)
     * @return what was swapped and the measured pause
     * @throws VmException when the device is not attached, no such factory exists, the factory rejects the
     *                     configuration or the replacement does not fit (the old instance keeps serving)
     */
    SwapInfo swapDevice(String vm, String device, String implementation) throws VmException;

    /**
     * Copies the VM's serial console (16550 at 0x3f8) to {@code out} from now on, until the returned handle
     * is closed or the VM stops. Writes to {@code out} happen on a vCPU thread: keep them quick.
     *
     * @param vm  a running or paused VM
     * @param out where the guest's serial output goes
     * @return closing it detaches {@code out}
     * @throws VmException when the VM does not exist or has no machine
     */
    AutoCloseable attachConsole(String vm, OutputStream out) throws VmException;

    /**
     * Types into the VM's serial console (the 16550's receive buffer).
     *
     * @param vm    a running or paused VM
     * @param bytes the input
     * @return how many bytes were taken (the receive buffer is bounded; the rest is dropped)
     * @throws VmException when the VM has no machine
     */
    int sendConsoleInput(String vm, byte[] bytes) throws VmException;

    /**
     * @return configurations the manager rejected that belong to no VM it knows (e.g. a device configuration
     *         without {@value #DEVICE_VM}), one line each naming file, key and reason
     */
    List<String> configErrors();
}
