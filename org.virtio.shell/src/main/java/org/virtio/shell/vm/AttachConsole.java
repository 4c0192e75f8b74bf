package org.virtio.shell.vm;

import java.io.InputStream;
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
 * stops. The keyboard is polled with {@code available()} so that nothing is left blocked reading it after
 * detaching (a blocked reader would swallow the next key typed at the shell prompt).
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

    /** The session's keyboard and terminal; tests set their own. */
    InputStream keyboard;
    PrintStream terminal;

    @Override
    void run() throws Exception {
        VmState state = manager.info(name).state();
        if (state != VmState.RUNNING && state != VmState.PAUSED) {
            throw Usage.failed("VM " + name + " is " + state + ": start it first (vm:start " + name + ")");
        }
        InputStream in = keyboard != null ? keyboard : session.getKeyboard();
        PrintStream to = terminal != null ? terminal : session.getConsole();
        boolean echo = session != null && session.getTerminal() != null && session.getTerminal().isEchoEnabled();
        setEcho(false, echo);
        to.println("Attached to " + name + "'s serial console. Detach with Ctrl-].");
        ConsoleRelay relay = new ConsoleRelay(1 << 16);
        String end;
        try (AutoCloseable attached = manager.attachConsole(name, relay)) {
            end = pump(in, to, relay);
        } finally {
            setEcho(echo, echo);
        }
        relay.drainTo(to, 0, TimeUnit.MILLISECONDS);
        to.println();
        to.println("Detached from " + name + " (" + end + (relay.dropped() > 0 ? ", " + relay.dropped()
                + " output bytes dropped while the terminal was slow" : "") + ").");
    }

    /** Relays until Ctrl-], end of input, an interrupt (Ctrl-C) or the VM leaving RUNNING/PAUSED; says which. */
    private String pump(InputStream in, PrintStream to, ConsoleRelay relay) throws Exception {
        byte[] buffer = new byte[256];
        long nextCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STATE_CHECK_MS);
        try {
            while (true) {
                int available = in.available();
                if (available > 0) {
                    int n = in.read(buffer, 0, Math.min(available, buffer.length));
                    if (n < 0) {
                        return "end of input";
                    }
                    int detach = indexOf(buffer, n, DETACH);
                    if (detach != 0) {
                        manager.sendConsoleInput(name, Arrays.copyOf(buffer, detach < 0 ? n : detach));
                    }
                    if (detach >= 0) {
                        return "Ctrl-]";
                    }
                }
                relay.drainTo(to, POLL_MS, TimeUnit.MILLISECONDS);
                if (System.nanoTime() - nextCheck > 0) {
                    VmState state = manager.info(name).state();
                    if (state != VmState.RUNNING && state != VmState.PAUSED) {
                        return "VM " + state;
                    }
                    nextCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STATE_CHECK_MS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private void setEcho(boolean on, boolean wasOn) {
        if (wasOn && session != null && session.getTerminal() != null) {
            session.getTerminal().setEchoEnabled(on);
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
