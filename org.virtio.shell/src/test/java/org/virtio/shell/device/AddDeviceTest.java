package org.virtio.shell.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.karaf.shell.support.CommandException;
import org.junit.jupiter.api.Test;
import org.virtio.shell.testing.FakeVmManager;
import org.virtio.shell.testing.Printed;
import org.virtio.vmm.api.DeviceInfo.Status;
import org.virtio.vmm.api.VmState;

/** device:add: settings parsed from key=value, wrong arguments change nothing, rejected devices are undone. */
class AddDeviceTest {
    private final FakeVmManager manager = new FakeVmManager().vm("demo", VmState.RUNNING);
    private final Printed printed = new Printed();

    private AddDevice add(String vm, String type, String name, String... settings) {
        AddDevice command = new AddDevice();
        command.manager = manager;
        command.out = printed.stream;
        command.vm = vm;
        command.type = type;
        command.name = name;
        command.settings = settings.length == 0 ? null : List.of(settings);
        return command;
    }

    @Test
    void passesTheSettingsToTheManager() throws Exception {
        manager.addStatus = Status.ATTACHED;
        add("demo", "blk", "disk1", "path=/srv/disk1.img", "readOnly=true", "serial=a=b").execute();
        assertEquals(List.of("addDevice demo disk1 blk {path=/srv/disk1.img, readOnly=true, serial=a=b}"), manager.changes);
        assertEquals("demo/disk1: ATTACHED (/etc/org.virtio.device.blk-disk1.cfg)", printed.text().strip());
    }

    @Test
    void aDeviceWaitingForItsFactorySaysWhichFeatureToInstall() throws Exception {
        manager.addStatus = Status.WAITING;
        add("demo", "input", "kbd").execute();
        assertTrue(printed.text().contains("feature:install virtio-device-input"), printed.text());
    }

    @Test
    void wrongArgumentsPrintTheUsageAndChangeNothing() {
        for (AddDevice wrong : new AddDevice[] {add("demo", "blk", "d1", "path"), add("demo", "blk", "d1", "=x"),
                add("demo", "blk", "d1", "vm=other"), add("demo", "blk", "d1", "name=x"),
                add("demo", "blk", "d1", "a=1", "a=2"), add("demo", "b l k", "d1"), add("demo", "blk", "d/1"),
                add("de mo", "blk", "d1")}) {
            CommandException e = assertThrows(CommandException.class, wrong::execute);
            assertTrue(e.getNiceHelp().contains("usage: device:add <vm> <type> <name> [<key=value...>]"), e.getNiceHelp());
        }
        assertEquals(List.of(), manager.changes);
    }

    @Test
    void aDeviceTheManagerRejectsIsRemovedAgain() {
        manager.addStatus = Status.FAILED;
        CommandException e = assertThrows(CommandException.class, () -> add("demo", "blk", "d1", "path=/nope").execute());
        assertEquals("blk device d1 not added to demo: bad path", e.getMessage());
        assertEquals("removeDevice demo d1", manager.changes.getLast());
    }
}
