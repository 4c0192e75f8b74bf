package org.virtio.shell.vm;

import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.virtio.shell.support.Usage;
import org.virtio.vmm.api.VmState;

/**
 * {@code vm:console <vm>}: attaches the shell session to a running VM's serial console (16550): guest output
 * is shown, keys are typed into the guest, Ctrl-] detaches (as telnet's escape key). Also ends when the VM
 * stops, at end of input or on Ctrl-C.
 */
@Command(scope = "vm", name = "console", description = "Attaches to a VM's serial console; Ctrl-] detaches.")
@Service
public class AttachConsole extends NamedVmCommand {
    /** Ctrl-]: detach. */
    static final int DETACH = 0x1d;
    private static final long POLL_MS = 20;
    private static final long STATE_CHECK_MS = 500;

    @Reference
    Session session;

    /** The session's keys and terminal; tests set their own. */
    Keys keys;
    PrintStream terminal;

    @Override
    void run() throws Exception {
        VmState state = manager.info(name).state();
        if (state != VmState.RUNNING && state != VmState.PAUSED) {
            throw Usage.failed("VM " + name + " is " + state + ": start it first (vm:start " + name + ")");
        }
        PrintStream to = terminal != null ? terminal : session.getConsole();
        to.println("Attached to " + name + "'s serial console. Detach with Ctrl-].");
        ConsoleRelay relay = new ConsoleRelay(1 << 16);
        String end;
        try (Keys in = keys != null ? keys : Keys.of(session);
                AutoCloseable attached = manager.attachConsole(name, relay)) {
            end = pump(in, to, relay);
        }
        relay.drainTo(to, 0, TimeUnit.MILLISECONDS);
        to.println();
        to.println("Detached from " + name + " (" + end + (relay.dropped() > 0 ? ", " + relay.dropped()
                + " output bytes dropped while the terminal was slow" : "") + ").");
    }

    /** Relays until Ctrl-], end of input, an interrupt (Ctrl-C) or the VM leaving RUNNING/PAUSED; says which. */
    private String pump(Keys in, PrintStream to, ConsoleRelay relay) throws Exception {
        byte[] buffer = new byte[256];
        long nextCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STATE_CHECK_MS);
        try {
            while (true) {
                int n = in.read(buffer, POLL_MS);
                if (n < 0) {
                    return "end of input";
                }
                int detach = indexOf(buffer, n, DETACH);
                if (n > 0 && detach != 0) {
                    manager.sendConsoleInput(name, Arrays.copyOf(buffer, detach < 0 ? n : detach));
                }
                if (detach >= 0) {
                    return "Ctrl-]";
                }
                relay.drainTo(to, n > 0 ? 0 : POLL_MS, TimeUnit.MILLISECONDS);
                if (System.nanoTime() - nextCheck > 0) {
                    VmState state = manager.info(name).state();
                    if (state != VmState.RUNNING && state != VmState.PAUSED) {
                        return "VM " + state;
                    }
                    nextCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STATE_CHECK_MS);
                }
            }
        } catch (InterruptedException | InterruptedIOException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static int indexOf(byte[] bytes, int length, int value) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
