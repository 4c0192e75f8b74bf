package org.virtio.shell.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.karaf.shell.support.CommandException;
import org.junit.jupiter.api.Test;
import org.virtio.shell.testing.FakeVmManager;
import org.virtio.shell.testing.Printed;
import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.VmState;

/** vm:list, vm:info and the state verbs against a fake manager. */
class VmCommandsTest {
    private final FakeVmManager manager = new FakeVmManager();
    private final Printed printed = new Printed();

    private <T extends VmCommand> T wire(T command) {
        command.manager = manager;
        command.out = printed.stream;
        return command;
    }

    private <T extends NamedVmCommand> T named(T command, String name) {
        wire(command).name = name;
        return command;
    }

    @Test
    void listPrintsOneRowPerVmWithStateAndSize() throws Exception {
        manager.vm("demo", VmState.RUNNING).vm("idle", VmState.DEFINED).device("demo", "disk0", "blk",
                DeviceInfo.Status.ATTACHED);
        wire(new ListVms()).execute();
        List<String> lines = printed.text().lines().toList();
        assertTrue(lines.get(0).matches("Name\\s+[|│]\\s+State\\s+[|│]\\s+Memory MiB\\s+[|│]\\s+vCPUs\\s+[|│]\\s+Devices\\s+[|│]\\s+Detail\\s*"),
                printed.text());
        assertTrue(lines.stream().anyMatch(l -> l.matches("demo\\s+[|│]\\s+RUNNING\\s+[|│]\\s+64\\s+[|│]\\s+1\\s+[|│]\\s+1\\s+[|│].*")),
                printed.text());
        assertTrue(lines.stream().anyMatch(l -> l.matches("idle\\s+[|│]\\s+DEFINED\\s+[|│]\\s+64\\s+[|│]\\s+1\\s+[|│]\\s+0\\s+[|│].*")),
                printed.text());
    }

    @Test
    void listSaysHowToDefineAVmWhenThereIsNone() throws Exception {
        wire(new ListVms()).execute();
        assertTrue(printed.text().contains("no VMs"), printed.text());
    }

    @Test
    void infoShowsConfigurationExitsAndDevices() throws Exception {
        manager.vm("demo", VmState.RUNNING).device("demo", "disk0", "blk", DeviceInfo.Status.ATTACHED);
        named(new ShowVm(), "demo").execute();
        String text = printed.text();
        for (String expected : new String[] {"State", "RUNNING", "/guests/test.elf", "64 MiB", "pio 10, mmio 20",
                "disk0: blk, ATTACHED", "/etc/org.virtio.vm-demo.cfg"}) {
            assertTrue(text.contains(expected), "missing " + expected + " in\n" + text);
        }
    }

    @Test
    void infoOfAnUnknownVmNamesIt() {
        CommandException e = assertThrows(CommandException.class, () -> named(new ShowVm(), "nope").execute());
        assertEquals("no VM named nope", e.getMessage());
        assertTrue(e.getNiceHelp().contains("no VM named nope"));
    }

    @Test
    void startPauseResumeStopFollowTheManager() throws Exception {
        manager.vm("demo", VmState.DEFINED);
        named(new StartVm(), "demo").execute();
        named(new PauseVm(), "demo").execute();
        named(new ResumeVm(), "demo").execute();
        named(new StopVm(), "demo").execute();
        assertEquals(List.of("start demo", "pause demo", "resume demo", "stop demo"), manager.changes);
        assertEquals(List.of("demo: RUNNING", "demo: PAUSED", "demo: RUNNING", "demo: DEFINED"),
                printed.text().lines().toList());
    }

    @Test
    void aVerbTheStateForbidsReportsTheManagersReasonAndChangesNothing() {
        manager.vm("demo", VmState.DEFINED);
        CommandException e = assertThrows(CommandException.class, () -> named(new PauseVm(), "demo").execute());
        assertEquals("cannot pause VM demo: it is DEFINED", e.getMessage());
        assertEquals(List.of(), manager.changes);
    }
}
