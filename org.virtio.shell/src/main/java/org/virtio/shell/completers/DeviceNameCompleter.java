package org.virtio.shell.completers;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.VmException;
import org.virtio.vmm.api.VmManager;

/**
 * Completes the device names of the VM typed just before the device argument ({@code device:stats demo <TAB>});
 * nothing when that VM does not exist. Without a VM before it (Karaf also calls completers with the single
 * earlier word, to check it before completing a later argument) it offers the devices of every VM.
 */
@Service
public class DeviceNameCompleter implements Completer {
    @Reference
    VmManager manager;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        String vm = CommandLines.previousArgument(commandLine);
        if (vm == null) {
            List<String> all = manager.list().stream().flatMap(v -> v.devices().stream()).map(DeviceInfo::name).toList();
            return new StringsCompleter(all).complete(session, commandLine, candidates);
        }
        try {
            List<String> names = manager.devices(vm).stream().map(DeviceInfo::name).toList();
            return new StringsCompleter(names).complete(session, commandLine, candidates);
        } catch (VmException e) {
            return -1; // no such VM: nothing to offer
        }
    }
}
