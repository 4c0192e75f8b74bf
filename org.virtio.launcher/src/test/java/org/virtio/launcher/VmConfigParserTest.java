package org.virtio.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Level A: every key of the Firecracker-format config and every error, naming the JSON path. */
class VmConfigParserTest {
    @TempDir
    Path dir;

    @BeforeEach
    void files() throws IOException {
        Files.write(dir.resolve("vmlinux"), new byte[] {0x7f, 'E', 'L', 'F'});
        Files.write(dir.resolve("initrd.img"), new byte[16]);
        Files.write(dir.resolve("disk.img"), new byte[4096]);
        Files.write(dir.resolve("data.img"), new byte[4096]);
    }

    private static String vm(String machine, String extra) {
        return """
                {"boot-source": {"kernel_image_path": "vmlinux", "boot_args": "console=ttyS0"},
                 "machine-config": %s%s}
                """.formatted(machine, extra);
    }

    private static final String MACHINE = "{\"vcpu_count\": 1, \"mem_size_mib\": 64}";

    private VmConfig parse(String json) throws ConfigException {
        return VmConfigParser.parse(json, dir);
    }

    private ConfigException fails(String json, String expectedMessage) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(json));
        assertTrue(e.getMessage().startsWith(expectedMessage), () -> "message: " + e.getMessage());
        return e;
    }

    @Test
    void aFullFirecrackerConfigParses() throws Exception {
        VmConfig c = parse("""
                {"boot-source": {"kernel_image_path": "vmlinux", "boot_args": " console=ttyS0 reboot=k ",
                                 "initrd_path": "initrd.img"},
                 "machine-config": {"vcpu_count": 2, "mem_size_mib": 128, "smt": false, "track_dirty_pages": false},
                 "drives": [{"drive_id": "rootfs", "path_on_host": "disk.img", "is_read_only": true,
                             "is_root_device": true},
                            {"drive_id": "data_1", "path_on_host": "%s"}],
                 "entropy": {},
                 "network-interfaces": [],
                 "virtio-console": {"output": "stdout", "input": "stdin"}}
                """.formatted(dir.resolve("data.img")));
        assertEquals(dir.resolve("vmlinux").toAbsolutePath(), c.bootSource().kernelImagePath());
        assertEquals("console=ttyS0 reboot=k", c.bootSource().bootArgs());
        assertEquals(Optional.of(dir.resolve("initrd.img").toAbsolutePath()), c.bootSource().initrdPath());
        assertEquals(new VmConfig.MachineConfig(2, 128), c.machine());
        assertEquals(128L << 20, c.machine().memBytes());
        assertEquals(2, c.drives().size());
        assertEquals(new VmConfig.Drive("rootfs", dir.resolve("disk.img").toAbsolutePath(), true, true), c.drives().get(0));
        assertEquals(new VmConfig.Drive("data_1", dir.resolve("data.img"), false, false), c.drives().get(1));
        assertTrue(c.entropy().isPresent());
        assertEquals(Optional.of(new VmConfig.Console("stdout", "stdin")), c.console());
        assertEquals(4, c.deviceCount());
    }

    @Test
    void optionalKeysHaveDefaults() throws Exception {
        VmConfig c = parse("""
                {"boot-source": {"kernel_image_path": "vmlinux"},
                 "machine-config": {"vcpu_count": 1, "mem_size_mib": 1}}
                """);
        assertEquals(VmConfigParser.DEFAULT_BOOT_ARGS, c.bootSource().bootArgs());
        assertTrue(c.bootSource().initrdPath().isEmpty());
        assertTrue(c.drives().isEmpty());
        assertFalse(c.entropy().isPresent());
        assertFalse(c.console().isPresent());
    }

    @Test
    void consoleDefaultsAndFileOutput() throws Exception {
        assertEquals(Optional.of(new VmConfig.Console("stdout", "none")), parse(vm(MACHINE, ", \"virtio-console\": {}")).console());
        assertEquals(Optional.of(new VmConfig.Console(dir.resolve("console.log").toString(), "none")),
                parse(vm(MACHINE, ", \"virtio-console\": {\"output\": \"console.log\"}")).console());
    }

    @Test
    void missingKernelFileNamesTheKey() {
        fails("""
                {"boot-source": {"kernel_image_path": "nope"}, "machine-config": %s}
                """.formatted(MACHINE), "boot-source.kernel_image_path: file not found: " + dir.resolve("nope"));
    }

    @Test
    void kernelPathThatIsADirectory() {
        fails("""
                {"boot-source": {"kernel_image_path": "."}, "machine-config": %s}
                """.formatted(MACHINE), "boot-source.kernel_image_path: not a regular file");
    }

    @Test
    void missingInitrd() {
        fails("""
                {"boot-source": {"kernel_image_path": "vmlinux", "initrd_path": "gone"}, "machine-config": %s}
                """.formatted(MACHINE), "boot-source.initrd_path: file not found");
    }

    @Test
    void requiredSections() {
        fails("{\"machine-config\": " + MACHINE + "}", "boot-source: required key is missing");
        fails("{\"boot-source\": {\"kernel_image_path\": \"vmlinux\"}}", "machine-config: required key is missing");
        fails("{\"boot-source\": {}, \"machine-config\": " + MACHINE + "}",
                "boot-source.kernel_image_path: required key is missing");
        fails(vm("{\"mem_size_mib\": 64}", ""), "machine-config.vcpu_count: required key is missing");
        fails(vm("{\"vcpu_count\": 1}", ""), "machine-config.mem_size_mib: required key is missing");
    }

    @Test
    void memSizeMustBeAPositiveIntegerBelowTheMmioHole() {
        fails(vm("{\"vcpu_count\": 1, \"mem_size_mib\": 0}", ""),
                "machine-config.mem_size_mib: must be a positive integer from 1 to 3328, got 0");
        fails(vm("{\"vcpu_count\": 1, \"mem_size_mib\": \"abc\"}", ""),
                "machine-config.mem_size_mib: must be a positive integer, got \"abc\"");
        fails(vm("{\"vcpu_count\": 1, \"mem_size_mib\": 1.5}", ""),
                "machine-config.mem_size_mib: must be a positive integer, got 1.5");
        fails(vm("{\"vcpu_count\": 1, \"mem_size_mib\": 3329}", ""), "machine-config.mem_size_mib: must be a positive integer from 1 to 3328");
        fails(vm("{\"vcpu_count\": 1, \"mem_size_mib\": 99999999999}", ""), "machine-config.mem_size_mib: must be");
    }

    @Test
    void vcpuCountIsFirecrackersRange() throws Exception {
        assertEquals(32, parse(vm("{\"vcpu_count\": 32, \"mem_size_mib\": 64}", "")).machine().vcpuCount());
        fails(vm("{\"vcpu_count\": 0, \"mem_size_mib\": 64}", ""), "machine-config.vcpu_count: must be a positive integer from 1 to 32, got 0");
        fails(vm("{\"vcpu_count\": 33, \"mem_size_mib\": 64}", ""), "machine-config.vcpu_count: must be a positive integer from 1 to 32, got 33");
        fails(vm("{\"vcpu_count\": -1, \"mem_size_mib\": 64}", ""), "machine-config.vcpu_count");
    }

    @Test
    void smtTrueIsRejected() {
        fails(vm("{\"vcpu_count\": 1, \"mem_size_mib\": 64, \"smt\": true}", ""), "machine-config.smt: true is not supported");
        fails(vm("{\"vcpu_count\": 1, \"mem_size_mib\": 64, \"smt\": 1}", ""), "machine-config.smt: must be a boolean");
    }

    @Test
    void duplicateDriveId() {
        fails(vm(MACHINE, """
                , "drives": [{"drive_id": "a", "path_on_host": "disk.img"}, {"drive_id": "a", "path_on_host": "data.img"}]
                """), "drives[1].drive_id: duplicate drive_id \"a\"");
    }

    @Test
    void isReadOnlyMustBeABoolean() {
        fails(vm(MACHINE, """
                , "drives": [{"drive_id": "a", "path_on_host": "disk.img", "is_read_only": "yes"}]
                """), "drives[0].is_read_only: must be a boolean (true or false), got \"yes\"");
    }

    @Test
    void driveErrors() {
        fails(vm(MACHINE, ", \"drives\": {}"), "drives: must be an array");
        fails(vm(MACHINE, ", \"drives\": [{\"path_on_host\": \"disk.img\"}]"), "drives[0].drive_id: required key is missing");
        fails(vm(MACHINE, ", \"drives\": [{\"drive_id\": \"a b\", \"path_on_host\": \"disk.img\"}]"), "drives[0].drive_id: must be letters");
        fails(vm(MACHINE, ", \"drives\": [{\"drive_id\": \"a\"}]"), "drives[0].path_on_host: required key is missing");
        fails(vm(MACHINE, ", \"drives\": [{\"drive_id\": \"a\", \"path_on_host\": \"none.img\"}]"),
                "drives[0].path_on_host: file not found");
        fails(vm(MACHINE, ", \"drives\": [{\"drive_id\": \"a\", \"path_on_host\": \"disk.img\", \"cache_type\": \"Unsafe\"}]"),
                "drives[0].cache_type: unknown key");
        fails(vm(MACHINE, """
                , "drives": [{"drive_id": "a", "path_on_host": "disk.img", "is_root_device": true},
                             {"drive_id": "b", "path_on_host": "data.img", "is_root_device": true}]
                """), "drives[1].is_root_device: only one drive may be the root device");
    }

    @Test
    void unknownKeys() {
        fails(vm(MACHINE, ", \"boot_source\": {}"), "boot_source: unknown key");
        fails("""
                {"boot-source": {"kernel_image_path": "vmlinux", "kernel": "x"}, "machine-config": %s}
                """.formatted(MACHINE), "boot-source.kernel: unknown key");
        fails(vm("{\"vcpu_count\": 1, \"mem_size_mib\": 64, \"mem\": 1}", ""), "machine-config.mem: unknown key");
        fails(vm(MACHINE, ", \"virtio-console\": {\"color\": true}"), "virtio-console.color: unknown key");
    }

    @Test
    void unsupportedFirecrackerSections() {
        fails(vm(MACHINE, ", \"network-interfaces\": [{\"iface_id\": \"eth0\"}]"),
                "network-interfaces: this Firecracker section is not supported");
        fails(vm(MACHINE, ", \"entropy\": {\"rate_limiter\": {}}"), "entropy.rate_limiter: not supported");
        fails(vm(MACHINE, ", \"entropy\": true"), "entropy: must be an object");
    }

    @Test
    void consoleErrors() {
        fails(vm(MACHINE, ", \"virtio-console\": {\"input\": \"keyboard\"}"),
                "virtio-console.input: must be \"stdin\" or \"none\", got \"keyboard\"");
        fails(vm(MACHINE, ", \"virtio-console\": {\"output\": \"out.log\", \"input\": \"stdin\"}"),
                "virtio-console.input: \"stdin\" needs output \"stdout\"");
        fails(vm(MACHINE, ", \"virtio-console\": {\"output\": \"no/such/dir/out.log\"}"), "virtio-console.output: directory not found");
        fails(vm(MACHINE, ", \"virtio-console\": {\"output\": 1}"), "virtio-console.output: must be a string");
    }

    @Test
    void bootArgsMustBePrintableAscii() {
        fails("""
                {"boot-source": {"kernel_image_path": "vmlinux", "boot_args": "a\\nb"}, "machine-config": %s}
                """.formatted(MACHINE), "boot-source.boot_args: must be printable ASCII");
        fails("""
                {"boot-source": {"kernel_image_path": "vmlinux", "boot_args": 5}, "machine-config": %s}
                """.formatted(MACHINE), "boot-source.boot_args: must be a string");
    }

    @Test
    void malformedJson() {
        fails("{", "(file): invalid JSON at line");
        fails("", "(file): empty");
        fails("[]", "(file): must be an object");
        fails(vm(MACHINE, "") + " {}", "(file): invalid JSON");
        fails("""
                {"boot-source": {"kernel_image_path": "vmlinux"}, "boot-source": {}, "machine-config": %s}
                """.formatted(MACHINE), "(file): invalid JSON at line 1");
    }

    @Test
    void tooManyDevices() {
        StringBuilder drives = new StringBuilder(", \"drives\": [");
        for (int i = 0; i < MicroVm.MAX_DEVICES; i++) {
            drives.append(i == 0 ? "" : ",").append("{\"drive_id\": \"d").append(i).append("\", \"path_on_host\": \"disk.img\"}");
        }
        drives.append("], \"entropy\": {}");
        fails(vm(MACHINE, drives.toString()), "drives: too many virtio devices: 20");
    }
}
