package org.virtio.shell.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.karaf.shell.support.CommandException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtio.shell.testing.FakeVmManager;
import org.virtio.shell.testing.Printed;
import org.virtio.vmm.api.DeviceInfo.Status;
import org.virtio.vmm.api.VmState;

/** device:list, device:remove, device:swap and device:stats against a fake manager. */
class DeviceCommandsTest {
    private final FakeVmManager manager = new FakeVmManager();
    private final Printed printed = new Printed();

    @BeforeEach
    void twoVms() {
        manager.vm("demo", VmState.RUNNING).vm("other", VmState.DEFINED)
                .device("demo", "disk0", "blk", Status.ATTACHED).device("demo", "rng0", "rng", Status.WAITING)
                .device("other", "con0", "console", Status.READY);
    }

    private <T extends DeviceCommand> T wire(T command) {
        command.manager = manager;
        command.out = printed.stream;
        return command;
    }

    private <T extends NamedDeviceCommand> T named(T command, String vm, String device) {
        wire(command).vm = vm;
        command.device = device;
        return command;
    }

    @Test
    void listShowsOneVmsDevicesWithWindowIrqAndImplementation() throws Exception {
        ListDevices list = wire(new ListDevices());
        list.vm = "demo";
        list.execute();
        List<String> lines = printed.text().lines().toList();
        assertTrue(lines.getFirst().matches("VM\\s+[|│]\\s+Name\\s+[|│]\\s+Type\\s+[|│]\\s+Status\\s+[|│]\\s+Window.*"), printed.text());
        assertTrue(lines.stream().anyMatch(l -> l.matches(
                "demo\\s+[|│]\\s+disk0\\s+[|│]\\s+blk\\s+[|│]\\s+ATTACHED\\s+[|│]\\s+0xd0000000\\s+[|│]\\s+5\\s+[|│]\\s+org.virtio.device.blk/1.0.0 \\[42\\]\\s+[|│]\\s+0\\s+[|│].*")),
                printed.text());
        assertTrue(lines.stream().anyMatch(l -> l.matches("demo\\s+[|│]\\s+rng0\\s+[|│]\\s+rng\\s+[|│]\\s+WAITING\\s+[|│]\\s+-\\s+[|│]\\s+-\\s+[|│]\\s+-.*")),
                printed.text());
        assertTrue(lines.stream().noneMatch(l -> l.contains("con0")), printed.text());
    }

    @Test
    void listWithoutAVmShowsEveryVmsDevices() throws Exception {
        wire(new ListDevices()).execute();
        for (String name : new String[] {"disk0", "rng0", "con0"}) {
            assertTrue(printed.text().contains(name), printed.text());
        }
    }

    @Test
    void listOfAnUnknownVmIsAnError() {
        ListDevices list = wire(new ListDevices());
        list.vm = "nope";
        assertEquals("no VM named nope", assertThrows(CommandException.class, list::execute).getMessage());
    }

    @Test
    void removeDeletesTheDevice() throws Exception {
        named(new RemoveDevice(), "demo", "rng0").execute();
        assertEquals(List.of("removeDevice demo rng0"), manager.changes);
        assertEquals("demo/rng0: removed", printed.text().strip());
    }

    @Test
    void removeOfAnUnknownDeviceChangesNothing() {
        CommandException e = assertThrows(CommandException.class, () -> named(new RemoveDevice(), "demo", "nope").execute());
        assertEquals("VM demo has no device nope", e.getMessage());
        assertEquals(List.of(), manager.changes);
    }

    @Test
    void swapPassesTheBundleAndPrintsThePause() throws Exception {
        SwapDevice swap = named(new SwapDevice(), "demo", "disk0");
        swap.bundle = "57";
        swap.execute();
        assertEquals(List.of("swapDevice demo disk0 57"), manager.changes);
        assertEquals("demo/disk0: swapped org.virtio.device.blk/1.0.0 [42] -> 57, queues held 1.500 ms", printed.text().strip());
    }

    @Test
    void swapWithoutABundleLetsTheManagerChoose() throws Exception {
        named(new SwapDevice(), "demo", "disk0").execute();
        assertEquals(List.of("swapDevice demo disk0 null"), manager.changes);
    }

    @Test
    void swapOfADeviceThatIsNotAttachedIsRefused() {
        CommandException e = assertThrows(CommandException.class, () -> named(new SwapDevice(), "demo", "rng0").execute());
        assertEquals("device rng0 of VM demo is WAITING, not ATTACHED", e.getMessage());
        assertEquals(List.of(), manager.changes);
    }

    @Test
    void statsShowsImplementationAndQueueCounters() throws Exception {
        named(new DeviceStats(), "demo", "disk0").execute();
        String text = printed.text();
        assertTrue(text.startsWith("demo/disk0: blk (VirtIO device id 2), ATTACHED"), text);
        assertTrue(text.contains("implementation: org.virtio.device.blk/1.0.0 [42] org.virtio.device.blk.BlkDevice, swaps: 0"), text);
        assertTrue(text.contains("driver status: 0xf"), text);
        assertTrue(text.lines().anyMatch(l -> l.matches("\\s*0\\s+[|│]\\s+64\\s+[|│]\\s+true\\s+[|│]\\s+123\\s+[|│]\\s+120\\s*")), text);
    }
}
