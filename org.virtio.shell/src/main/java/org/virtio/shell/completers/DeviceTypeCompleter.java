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

/** Completes device type names: those of the device factories registered now ({@code blk}, {@code rng}, ...). */
@Service
public class DeviceTypeCompleter implements Completer {
    @Reference
    BundleContext context;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> types = new TreeSet<>();
        DeviceFactories.registered(context).forEach(f -> types.add(f.type()));
        return new StringsCompleter(types).complete(session, commandLine, candidates);
    }
}
