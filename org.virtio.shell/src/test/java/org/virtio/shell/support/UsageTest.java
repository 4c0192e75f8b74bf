package org.virtio.shell.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.virtio.shell.device.SwapDevice;
import org.virtio.shell.vm.CreateVm;
import org.virtio.shell.vm.StartVm;

/** Usage lines come from the annotations, options before arguments, optional parts in brackets. */
class UsageTest {

    @Test
    void usageListsOptionsAndArgumentsInOrder() {
        assertEquals("usage: vm:create --kernel <kernel> [--memory <memory>] [--vcpus <vcpus>] [--cmdline <cmdline>]"
                + " [--autostart] <name>", Usage.of(CreateVm.class));
        assertEquals("usage: vm:start <vm>", Usage.of(StartVm.class));
        assertEquals("usage: device:swap <vm> <device> [<bundle>]", Usage.of(SwapDevice.class));
    }

    @Test
    void wrongArgumentsReadAsErrorPlusUsage() {
        assertEquals("Error: bad\nusage: vm:start <vm>", Usage.wrong(StartVm.class, "bad").getNiceHelp());
        assertEquals("bad", Usage.wrong(StartVm.class, "bad").getMessage());
    }
}
