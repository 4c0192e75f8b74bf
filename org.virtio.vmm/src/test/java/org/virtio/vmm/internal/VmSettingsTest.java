package org.virtio.vmm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Validation of VM configurations: every key, and every error names the file, the key and the reason. */
class VmSettingsTest {
    private static final String PID = "org.virtio.vm~demo";

    @TempDir
    Path dir;
    private Path kernel;
    private String file;
    private Map<String, Object> props;

    @BeforeEach
    void setUp() throws Exception {
        kernel = Files.write(dir.resolve("vmlinux"), new byte[] {0x7f, 'E', 'L', 'F'});
        file = dir.resolve("etc").resolve("org.virtio.vm-demo.cfg").toString();
        props = new HashMap<>();
        props.put("kernel", kernel.toString());
        props.put(ConfigNames.FILEINSTALL_FILENAME, Path.of(file).toUri().toString());
        props.put("service.pid", PID);
        props.put("service.factoryPid", "org.virtio.vm");
        props.put("component.name", "org.virtio.vmm.internal.VmComponent");
        props.put("component.id", 12L);
        props.put("osgi.ds.satisfying.condition.target", "(osgi.condition.id=true)");
    }

    private List<String> errors() {
        VmSettings.Parsed p = VmSettings.parse(props, PID);
        assertFalse(p.valid(), "expected a rejection");
        assertNull(p.settings());
        return p.errors();
    }

    private void assertOneError(String key, String reason) {
        List<String> errors = errors();
        assertEquals(1, errors.size(), errors::toString);
        assertEquals(file + ": " + key + ": " + reason, errors.get(0));
    }

    @Test
    void defaultsApplyToAMinimalConfiguration() {
        VmSettings.Parsed p = VmSettings.parse(props, PID);
        assertTrue(p.valid(), p.errors()::toString);
        VmSettings s = p.settings();
        assertEquals("demo", s.name());
        assertEquals(file, s.source());
        assertEquals(kernel, s.kernel());
        assertEquals("", s.commandLine());
        assertEquals(64, s.memoryMib());
        assertEquals(1, s.vcpus());
        assertFalse(s.autostart());
        assertNull(s.initrd());
        assertEquals(2, s.hotplugSlots());
    }

    @Test
    void everyKeyIsRead() throws Exception {
        Path initrd = Files.write(dir.resolve("initrd"), new byte[16]);
        props.putAll(Map.of("cmdline", " console=ttyS0 quiet ", "memory", "128", "vcpus", 2, "autostart", "TRUE",
                "initrd", initrd.toString(), "hotplug.slots", "4"));
        VmSettings s = VmSettings.parse(props, PID).settings();
        assertEquals("console=ttyS0 quiet", s.commandLine());
        assertEquals(128, s.memoryMib());
        assertEquals(2, s.vcpus());
        assertTrue(s.autostart());
        assertEquals(initrd, s.initrd());
        assertEquals(4, s.hotplugSlots());
    }

    @Test
    void theNameComesFromTheKeyThePidOrTheFile() {
        props.put("name", "other");
        assertEquals("other", VmSettings.parse(props, PID).name());
        props.remove("name");
        assertEquals("demo", VmSettings.parse(props, "org.virtio.vm~demo").name());
        assertEquals("demo", VmSettings.parse(props, "org.virtio.vm.4f3a-11").name(), "from the file name");
        props.remove(ConfigNames.FILEINSTALL_FILENAME);
        assertEquals("org.virtio.vm~x", VmSettings.parse(props, "org.virtio.vm~x").source(), "no file: the PID");
    }

    @Test
    void withoutAFileTheErrorNamesThePid() {
        props.remove(ConfigNames.FILEINSTALL_FILENAME);
        props.put("memory", "lots");
        assertEquals(List.of(PID + ": memory: must be an integer, got \"lots\""), errors());
    }

    @Test
    void kernelIsRequired() {
        props.remove("kernel");
        assertOneError("kernel", "is required: the path of the kernel image (ELF with a PVH note, or bzImage)");
        props.put("kernel", "  ");
        assertOneError("kernel", "is required: the path of the kernel image (ELF with a PVH note, or bzImage)");
    }

    @Test
    void kernelMustBeAnExistingAbsoluteFile() {
        props.put("kernel", "vmlinux");
        assertOneError("kernel", "must be an absolute path, got \"vmlinux\"");
        props.put("kernel", dir.resolve("missing").toString());
        assertOneError("kernel", "file not found: " + dir.resolve("missing"));
        props.put("kernel", dir.toString());
        assertOneError("kernel", "not a regular file: " + dir);
        props.put("kernel", 42);
        assertOneError("kernel", "must be a string, got a Integer (42)");
    }

    @Test
    void initrdMustExistWhenGiven() {
        props.put("initrd", dir.resolve("no-initrd").toString());
        assertOneError("initrd", "file not found: " + dir.resolve("no-initrd"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "memory|abc|must be an integer, got \"abc\"",
            "memory|0|must be between 1 and 3328, got 0",
            "memory|4096|must be between 1 and 3328, got 4096",
            "memory|-5|must be between 1 and 3328, got -5",
            "memory|1.5|must be an integer, got \"1.5\"",
            "vcpus|0|must be between 1 and 255, got 0",
            "vcpus|two|must be an integer, got \"two\"",
            "hotplug.slots|20|must be between 0 and 19, got 20",
            "hotplug.slots|-1|must be between 0 and 19, got -1",
            "autostart|yes|must be true or false, got \"yes\"",
            "memroy|64|unknown key (known: kernel, cmdline, memory, vcpus, autostart, initrd, hotplug.slots, name)",
            "name|bad name|VM name \"bad name\" is invalid: use 1-64 letters, digits, '.', '_' or '-'"})
    void aBadValueIsRejectedNamingFileKeyAndReason(String key, String value, String reason) {
        props.put(key, value);
        assertOneError(key, reason);
    }

    @Test
    void typedValuesOfTheWrongKindAreRejected() {
        props.put("memory", 64.0);
        assertOneError("memory", "must be an integer, got a Double (64.0)");
        props.put("memory", 64L);
        props.put("autostart", 1);
        assertOneError("autostart", "must be true or false, got a Integer (1)");
        props.put("autostart", true);
        props.put("cmdline", new String[] {"a"});
        assertOneError("cmdline", "must be a string, got an array (String[])");
    }

    @Test
    void theCommandLineMustBeOnePrintableLine() {
        props.put("cmdline", "a\nb");
        assertOneError("cmdline", "must be printable ASCII on one line");
        props.put("cmdline", "x".repeat(2049));
        assertOneError("cmdline", "is 2049 characters long, at most 2048");
    }

    @Test
    void everyErrorIsReportedNotJustTheFirst() {
        props.remove("kernel");
        props.put("memory", "x");
        props.put("vcpus", "0");
        assertEquals(3, errors().size());
    }
}
