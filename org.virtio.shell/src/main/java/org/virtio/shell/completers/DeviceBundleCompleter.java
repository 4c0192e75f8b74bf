package org.virtio.shell.completers;

import java.util.List;
import java.util.TreeSet;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.osgi.framework.BundleContext;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.VmException;
import org.virtio.vmm.api.VmManager;

/**
 * Completes the replacement bundle of {@code device:swap <vm> <device> <TAB>}: ids and symbolic names of the
 * bundles registering a factory of that device's type (of any device type when the device is unknown).
 */
@Service
public class DeviceBundleCompleter implements Completer {
    @Reference
    BundleContext context;

    @Reference
    VmManager manager;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        String type = typeOfDevice(commandLine);
        TreeSet<String> bundles = new TreeSet<>();
        for (DeviceFactories.Factory f : DeviceFactories.registered(context)) {
            if (type == null || type.equals(f.type())) {
                bundles.add(Long.toString(f.bundleId()));
                bundles.add(f.symbolicName());
            }
        }
        return new StringsCompleter(bundles).complete(session, commandLine, candidates);
    }

    private String typeOfDevice(CommandLine line) {
        String[] words = line.getArguments();
        int at = line.getCursorArgumentIndex();
        if (words == null || at < 3 || at > words.length) {
            return null;
        }
        try {
            DeviceInfo device = manager.device(words[at - 2], words[at - 1]);
            return device.type();
        } catch (VmException e) {
            return null;
        }
    }
}
