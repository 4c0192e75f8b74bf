package org.virtio.vmm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Validation of the keys the manager owns in device configurations. */
class DeviceSettingsTest {
    private static final String FILE = "/opt/karaf/etc/org.virtio.device.blk-disk0.cfg";
    private static final String PID = "org.virtio.device.blk~disk0";
    private Map<String, Object> props;

    @BeforeEach
    void setUp() {
        props = new HashMap<>(Map.of("vm", "demo", "path", "/var/lib/disk.img", "readOnly", "true",
                ConfigNames.FILEINSTALL_FILENAME, "file:" + FILE, "service.pid", PID,
                "service.factoryPid", "org.virtio.device.blk"));
    }

    @Test
    void theDeviceKeysGoToTheFactoryWithoutTheManagersOwn() {
        DeviceSettings.Parsed p = DeviceSettings.parse(props, PID, "org.virtio.device.blk");
        assertTrue(p.valid(), p.errors()::toString);
        DeviceSettings s = p.settings();
        assertEquals("demo", s.vm());
        assertEquals("disk0", s.name());
        assertEquals("blk", s.type());
        assertEquals(FILE, s.source());
        assertEquals(Map.of("path", "/var/lib/disk.img", "readOnly", "true"), s.properties());
    }

    @Test
    void theNameKeyWinsOverTheConfigurationName() {
        props.put("name", "root");
        assertEquals("root", DeviceSettings.parse(props, PID, "org.virtio.device.blk").settings().name());
    }

    @Test
    void vmIsRequired() {
        props.remove("vm");
        DeviceSettings.Parsed p = DeviceSettings.parse(props, PID, "org.virtio.device.blk");
        assertFalse(p.valid());
        assertEquals(List.of(FILE + ": vm: is required: the name of the VM the device belongs to"), p.errors());
        props.put("vm", " ");
        assertEquals(List.of(FILE + ": vm: is required: the name of the VM the device belongs to"),
                DeviceSettings.parse(props, PID, "org.virtio.device.blk").errors());
    }

    @Test
    void badNamesAndTypesAreRejected() {
        props.put("vm", "my vm");
        assertEquals(List.of(FILE + ": vm: VM name \"my vm\" is invalid: use 1-64 letters, digits, '.', '_' or '-'"),
                DeviceSettings.parse(props, PID, "org.virtio.device.blk").errors());
        props.put("vm", 7);
        assertEquals(List.of(FILE + ": vm: must be a string, got a Integer (7)"),
                DeviceSettings.parse(props, PID, "org.virtio.device.blk").errors());
        props.put("vm", "demo");
        assertEquals(List.of(FILE + ": service.factoryPid: device type \"Blk!\" is invalid: use 1-32 lower-case letters, digits, '_' or '-'"),
                DeviceSettings.parse(props, "org.virtio.device.Blk!~disk0", "org.virtio.device.Blk!").errors());
        props.put("name", "a/b");
        assertEquals(List.of(FILE + ": name: device name \"a/b\" is invalid: use 1-64 letters, digits, '.', '_' or '-'"),
                DeviceSettings.parse(props, PID, "org.virtio.device.blk").errors());
    }
}
