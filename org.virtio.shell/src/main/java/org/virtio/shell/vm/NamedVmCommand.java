package org.virtio.shell.vm;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Completion;
import org.virtio.shell.completers.VmNameCompleter;

/** Base of the commands that act on one existing VM, named by their first argument (completed from the manager). */
abstract class NamedVmCommand extends VmCommand {
    @Argument(index = 0, name = "vm", description = "The VM's name.", required = true)
    @Completion(VmNameCompleter.class)
    String name;
}
