package org.virtio.shell.vm;

import java.io.PrintStream;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.virtio.shell.support.Usage;
import org.virtio.vmm.api.VmException;
import org.virtio.vmm.api.VmManager;

/**
 * Base of the {@code vm:*} commands: the {@link VmManager} they delegate to, where they print, and one place
 * that turns a {@link VmException} (its message names the VM, file or key) into the shell's error output.
 */
abstract class VmCommand implements Action {
    @Reference
    VmManager manager;

    /** The shell's per-thread {@code System.out}; tests set their own. */
    PrintStream out = System.out;

    @Override
    public final Object execute() throws Exception {
        try {
            run();
        } catch (VmException e) {
            throw Usage.failed(e.getMessage());
        }
        return null;
    }

    /** Does the command's work against {@link #manager}. */
    abstract void run() throws Exception;
}
