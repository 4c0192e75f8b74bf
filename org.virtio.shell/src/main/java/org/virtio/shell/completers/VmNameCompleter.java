package org.virtio.shell.completers;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.virtio.vmm.api.VmInfo;
import org.virtio.vmm.api.VmManager;

/** Completes the names of the VMs the manager knows. */
@Service
public class VmNameCompleter implements Completer {
    @Reference
    VmManager manager;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter names = new StringsCompleter(manager.list().stream().map(VmInfo::name).toList());
        return names.complete(session, commandLine, candidates);
    }
}
