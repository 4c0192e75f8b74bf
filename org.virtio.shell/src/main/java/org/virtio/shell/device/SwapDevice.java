package org.virtio.shell.device;

import java.util.Locale;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.virtio.shell.completers.DeviceBundleCompleter;
import org.virtio.vmm.api.SwapInfo;

/**
 * {@code device:swap <vm> <device> [<bundle>]}: live swap — a new instance made by the device type's factory
 * in {@code bundle} (id or symbolic name; default: the best factory now registered) takes over the attached
 * device's queues and state under the running guest.
 */
@Command(scope = "device", name = "swap", description = "Replaces the code serving an attached device under the running guest.")
@Service
public class SwapDevice extends NamedDeviceCommand {
    @Argument(index = 2, name = "bundle", description = "Bundle id or symbolic name of the replacement's factory.")
    @Completion(DeviceBundleCompleter.class)
    String bundle;

    @Override
    void run() throws Exception {
        SwapInfo swap = manager.swapDevice(vm, device, bundle);
        out.println(swap.vm() + "/" + swap.device() + ": swapped " + swap.from() + " -> " + swap.to()
                + String.format(Locale.ROOT, ", queues held %.3f ms", swap.pause().toNanos() / 1e6));
    }
}
