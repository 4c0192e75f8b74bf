package org.virtio.shell.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.karaf.shell.support.CommandException;
import org.junit.jupiter.api.Test;
import org.virtio.shell.testing.FakeVmManager;
import org.virtio.shell.testing.Printed;
import org.virtio.vmm.api.VmState;

/** vm:console: keys go to the guest until Ctrl-], guest output reaches the terminal, a stopped VM ends it. */
class AttachConsoleTest {
    private final FakeVmManager manager = new FakeVmManager();
    private final Printed terminal = new Printed();

    private AttachConsole console(InputStream keyboard) {
        AttachConsole command = new AttachConsole();
        command.manager = manager;
        command.name = "demo";
        command.keys = new Keys.Polled(keyboard);
        command.terminal = terminal.stream;
        return command;
    }

    @Test
    void keysBeforeCtrlBracketGoToTheGuestAndTheRestIsNotSent() throws Exception {
        manager.vm("demo", VmState.RUNNING);
        console(new ByteArrayInputStream("ls\r\u001dnot sent".getBytes(StandardCharsets.US_ASCII))).execute();
        assertEquals(1, manager.consoleInput.size());
        assertArrayEquals("ls\r".getBytes(StandardCharsets.US_ASCII), manager.consoleInput.getFirst());
        assertTrue(terminal.text().contains("Detached from demo (Ctrl-])"), terminal.text());
        assertEquals(List.of(), manager.consoles, "the console stream is detached again");
    }

    @Test
    void guestOutputReachesTheTerminalWhileAttached() throws Exception {
        manager.vm("demo", VmState.RUNNING);
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream keyboard = new PipedInputStream(keys);
        Thread typist = Thread.ofVirtual().start(() -> {
            try {
                while (manager.consoles.isEmpty()) {
                    Thread.onSpinWait();
                }
                manager.guestPrints("virtio-test-guest: hello\n");
                while (!terminal.text().contains("hello")) {
                    Thread.onSpinWait();
                }
                keys.write(0x1d);
                keys.flush();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        console(keyboard).execute();
        typist.join();
        assertTrue(terminal.text().contains("virtio-test-guest: hello\n"), terminal.text());
        assertEquals(List.of(), manager.consoleInput, "Ctrl-] alone sends nothing");
    }

    @Test
    void endsWhenTheVmStops() throws Exception {
        manager.vm("demo", VmState.RUNNING);
        Thread guest = Thread.ofVirtual().start(() -> {
            while (manager.consoles.isEmpty()) {
                Thread.onSpinWait();
            }
            manager.setState("demo", VmState.RESET);
        });
        console(new PipedInputStream(new PipedOutputStream())).execute();
        guest.join();
        assertTrue(terminal.text().contains("Detached from demo (VM RESET)"), terminal.text());
    }

    @Test
    void aVmThatDoesNotRunIsRefused() {
        manager.vm("demo", VmState.DEFINED);
        CommandException e = assertThrows(CommandException.class, () -> console(InputStream.nullInputStream()).execute());
        assertTrue(e.getMessage().contains("VM demo is DEFINED"), e.getMessage());
        assertEquals(List.of(), manager.consoles);
    }
}
