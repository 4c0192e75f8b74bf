package org.virtio.shell.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.karaf.shell.support.CommandException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.shell.testing.FakeVmManager;
import org.virtio.shell.testing.Printed;
import org.virtio.vmm.api.VmState;

/** vm:create: properties handed to the manager, argument errors with usage, rejected configurations undone. */
class CreateVmTest {
    private final FakeVmManager manager = new FakeVmManager();
    private final Printed printed = new Printed();
    @TempDir
    Path dir;
    private Path kernel;

    @BeforeEach
    void kernelFile() throws Exception {
        kernel = Files.writeString(dir.resolve("guest.elf"), "ELF");
    }

    private CreateVm create(String name, String memory, String vcpus, String cmdline) {
        CreateVm command = new CreateVm();
        command.manager = manager;
        command.out = printed.stream;
        command.name = name;
        command.kernel = kernel.toString();
        command.memory = memory;
        command.vcpus = vcpus;
        command.cmdline = cmdline;
        return command;
    }

    @Test
    void writesTheVmKeysThroughTheManager() throws Exception {
        create("web1", "128", "2", "console=ttyS0").execute();
        assertEquals(List.of("create web1 {autostart=false, cmdline=console=ttyS0, kernel=" + kernel
                + ", memory=128, vcpus=2}"), manager.changes);
        assertEquals("web1: DEFINED (/etc/org.virtio.vm-web1.cfg)", printed.text().strip());
    }

    @Test
    void leavesOutKeysNotGivenSoTheManagersDefaultsApply() throws Exception {
        create("web1", null, null, null).execute();
        assertEquals(List.of("create web1 {autostart=false, kernel=" + kernel + "}"), manager.changes);
    }

    @Test
    void wrongArgumentsPrintTheUsageAndChangeNothing() {
        for (CreateVm wrong : new CreateVm[] {create("bad name", null, null, null), create("", null, null, null),
                create("x".repeat(65), null, null, null), create("ok", "lots", null, null), create("ok", "0", null, null),
                create("ok", null, "-1", null), create("ok", "12x", null, null)}) {
            CommandException e = assertThrows(CommandException.class, wrong::execute);
            assertTrue(e.getNiceHelp().contains("usage: vm:create"), e.getNiceHelp());
            assertTrue(e.getNiceHelp().contains("--kernel <kernel>"), e.getNiceHelp());
        }
        CreateVm missingKernel = create("ok", null, null, null);
        missingKernel.kernel = dir.resolve("absent.elf").toString();
        CommandException e = assertThrows(CommandException.class, missingKernel::execute);
        assertTrue(e.getMessage().contains("absent.elf: no such file"), e.getMessage());
        assertEquals(List.of(), manager.changes);
    }

    @Test
    void aConfigurationTheManagerRejectsIsRemovedAgainAndItsErrorsShown() {
        manager.createErrors = List.of("org.virtio.vm~web1: memory: 4096 is above 3072");
        CommandException e = assertThrows(CommandException.class, () -> create("web1", "4096", null, null).execute());
        assertTrue(e.getMessage().contains("memory: 4096 is above 3072"), e.getMessage());
        assertEquals("remove web1", manager.changes.getLast());
        assertEquals(List.of(), manager.list());
    }

    @Test
    void aTakenNameIsReported() {
        manager.vm("web1", VmState.RUNNING);
        CommandException e = assertThrows(CommandException.class, () -> create("web1", null, null, null).execute());
        assertEquals("VM web1 already exists", e.getMessage());
        assertEquals(List.of(), manager.changes);
    }
}
