package org.virtio.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Reads a Firecracker-format VM config file (the JSON given to {@code firecracker --config-file}) into a
 * {@link VmConfig}, checking every key itself so that each error names the JSON path and the reason.
 *
 * <p>Supported keys:
 * <ul>
 * <li>{@code boot-source}: {@code kernel_image_path} (required; ELF with the Xen PVH note, or bzImage),
 * {@code boot_args} (default {@value #DEFAULT_BOOT_ARGS}), {@code initrd_path}.</li>
 * <li>{@code machine-config}: {@code vcpu_count} (1..{@value #MAX_VCPUS}, as Firecracker; the host's KVM
 * limit is checked when the VM is built), {@code mem_size_mib} (1..{@value #MAX_MEM_SIZE_MIB}: guest RAM
 * is one region below the MMIO hole at 0xd0000000), {@code smt} and {@code track_dirty_pages} (only
 * {@code false}).</li>
 * <li>{@code drives}: array of {@code drive_id} (required, {@code [A-Za-z0-9_]+}, unique),
 * {@code path_on_host} (required, an existing regular file), {@code is_read_only} (boolean, default
 * false), {@code is_root_device} (boolean, default false, at most one).</li>
 * <li>{@code entropy}: an object, empty (Firecracker's {@code rate_limiter} is not supported).</li>
 * <li>Extension, not in Firecracker: {@code virtio-console}: {@code output} ({@code "stdout"}, the
 * default, or a file path the guest's output is appended to), {@code input} ({@code "stdin"} or
 * {@code "none"}, the default; stdin only with output stdout).</li>
 * </ul>
 * Firecracker sections this VMM does not implement ({@code network-interfaces}, {@code vsock},
 * {@code balloon}, {@code logger}, {@code metrics}, {@code mmds-config}, {@code cpu-config}) are accepted
 * only when null or an empty array; any other top-level key is an error, as in Firecracker. Relative
 * paths are resolved against the base directory given to {@link #parse} (the working directory, as
 * Firecracker does).
 */
public final class VmConfigParser {
    /** Firecracker's limit on {@code vcpu_count}. */
    public static final int MAX_VCPUS = 32;
    /** Guest RAM is one region from 0 and must end below the virtio-mmio windows at 0xd0000000. */
    public static final int MAX_MEM_SIZE_MIB = (int) (MicroVm.MMIO_BASE >> 20);
    /** The command line when {@code boot_args} is absent. */
    public static final String DEFAULT_BOOT_ARGS = "console=ttyS0 reboot=k panic=1 pci=off";

    static final String BOOT_SOURCE = "boot-source";
    static final String MACHINE_CONFIG = "machine-config";
    static final String DRIVES = "drives";
    static final String ENTROPY = "entropy";
    static final String VIRTIO_CONSOLE = "virtio-console";
    static final Set<String> UNSUPPORTED_FIRECRACKER_SECTIONS = Set.of("network-interfaces", "vsock", "balloon",
            "logger", "metrics", "mmds-config", "cpu-config");
    private static final Pattern DRIVE_ID = Pattern.compile("[A-Za-z0-9_]+");
    private static final int MAX_COMMAND_LINE = 2047;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path baseDirectory;

    private VmConfigParser(Path baseDirectory) {
        this.baseDirectory = baseDirectory.toAbsolutePath();
    }

    /**
     * @param json          the config file's text
     * @param baseDirectory relative paths are resolved against it
     * @return the validated configuration
     * @throws ConfigException naming the JSON path and the reason
     */
    public static VmConfig parse(String json, Path baseDirectory) throws ConfigException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException("(file)", "invalid JSON" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new ConfigException("(file)", "empty; expected a JSON object");
        }
        return new VmConfigParser(baseDirectory).config(root);
    }

    /**
     * @param file the config file; relative paths in it are resolved against the working directory
     * @return the validated configuration
     * @throws ConfigException naming the JSON path and the reason
     * @throws IOException     when the file cannot be read
     */
    public static VmConfig parse(Path file) throws ConfigException, IOException {
        return parse(Files.readString(file), Path.of(""));
    }

    private VmConfig config(JsonNode root) throws ConfigException {
        requireObject(root, "(file)");
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String key = it.next();
            JsonNode value = root.get(key);
            if (UNSUPPORTED_FIRECRACKER_SECTIONS.contains(key)) {
                if (!value.isNull() && !(value.isArray() && value.isEmpty())) {
                    throw new ConfigException(key, "this Firecracker section is not supported by virtio-vmm"
                            + " (only null or [] is accepted)");
                }
            } else if (!Set.of(BOOT_SOURCE, MACHINE_CONFIG, DRIVES, ENTROPY, VIRTIO_CONSOLE).contains(key)) {
                throw new ConfigException(key, "unknown key; expected " + BOOT_SOURCE + ", " + MACHINE_CONFIG + ", "
                        + DRIVES + ", " + ENTROPY + " or the extension " + VIRTIO_CONSOLE);
            }
        }
        VmConfig.BootSource boot = bootSource(required(root, BOOT_SOURCE, ""));
        VmConfig.MachineConfig machine = machine(required(root, MACHINE_CONFIG, ""));
        List<VmConfig.Drive> drives = drives(root.get(DRIVES));
        Optional<VmConfig.Entropy> entropy = entropy(root.get(ENTROPY));
        Optional<VmConfig.Console> console = console(root.get(VIRTIO_CONSOLE));
        VmConfig config = new VmConfig(boot, machine, drives, entropy, console);
        if (config.deviceCount() > MicroVm.MAX_DEVICES) {
            throw new ConfigException(DRIVES, "too many virtio devices: " + config.deviceCount()
                    + " (drives + entropy + virtio-console), at most " + MicroVm.MAX_DEVICES
                    + " (IRQs " + MicroVm.FIRST_IRQ + ".." + MicroVm.LAST_IRQ + ")");
        }
        return config;
    }

    private VmConfig.BootSource bootSource(JsonNode node) throws ConfigException {
        requireObject(node, BOOT_SOURCE);
        allowOnly(node, BOOT_SOURCE, "kernel_image_path", "boot_args", "initrd_path");
        Path kernel = existingFile(required(node, "kernel_image_path", BOOT_SOURCE), BOOT_SOURCE + ".kernel_image_path");
        String bootArgs = DEFAULT_BOOT_ARGS;
        JsonNode args = node.get("boot_args");
        if (args != null && !args.isNull()) {
            bootArgs = string(args, BOOT_SOURCE + ".boot_args");
            for (int i = 0; i < bootArgs.length(); i++) {
                char c = bootArgs.charAt(i);
                if (c < 0x20 || c > 0x7e) {
                    throw new ConfigException(BOOT_SOURCE + ".boot_args", "must be printable ASCII; character "
                            + i + " is U+" + String.format("%04X", (int) c));
                }
            }
            if (bootArgs.length() > MAX_COMMAND_LINE) {
                throw new ConfigException(BOOT_SOURCE + ".boot_args", "too long: " + bootArgs.length()
                        + " characters, the kernel command line holds at most " + MAX_COMMAND_LINE);
            }
        }
        Optional<Path> initrd = Optional.empty();
        JsonNode initrdNode = node.get("initrd_path");
        if (initrdNode != null && !initrdNode.isNull()) {
            initrd = Optional.of(existingFile(initrdNode, BOOT_SOURCE + ".initrd_path"));
        }
        return new VmConfig.BootSource(kernel, bootArgs.strip(), initrd);
    }

    private static VmConfig.MachineConfig machine(JsonNode node) throws ConfigException {
        requireObject(node, MACHINE_CONFIG);
        allowOnly(node, MACHINE_CONFIG, "vcpu_count", "mem_size_mib", "smt", "track_dirty_pages");
        int vcpus = intInRange(required(node, "vcpu_count", MACHINE_CONFIG), MACHINE_CONFIG + ".vcpu_count", 1, MAX_VCPUS);
        int mem = intInRange(required(node, "mem_size_mib", MACHINE_CONFIG), MACHINE_CONFIG + ".mem_size_mib", 1,
                MAX_MEM_SIZE_MIB);
        for (String flag : List.of("smt", "track_dirty_pages")) {
            JsonNode v = node.get(flag);
            if (v != null && bool(v, MACHINE_CONFIG + "." + flag)) {
                throw new ConfigException(MACHINE_CONFIG + "." + flag, "true is not supported by virtio-vmm");
            }
        }
        return new VmConfig.MachineConfig(vcpus, mem);
    }

    private List<VmConfig.Drive> drives(JsonNode node) throws ConfigException {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new ConfigException(DRIVES, "must be an array of objects, got " + describe(node));
        }
        List<VmConfig.Drive> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        String root = null;
        for (int i = 0; i < node.size(); i++) {
            String at = DRIVES + "[" + i + "]";
            JsonNode d = node.get(i);
            requireObject(d, at);
            allowOnly(d, at, "drive_id", "path_on_host", "is_read_only", "is_root_device");
            String id = string(required(d, "drive_id", at), at + ".drive_id");
            if (!DRIVE_ID.matcher(id).matches()) {
                throw new ConfigException(at + ".drive_id", "must be letters, digits and '_' only, got \"" + id + "\"");
            }
            if (!ids.add(id)) {
                throw new ConfigException(at + ".drive_id", "duplicate drive_id \"" + id + "\"");
            }
            Path path = existingFile(required(d, "path_on_host", at), at + ".path_on_host");
            boolean readOnly = d.has("is_read_only") && bool(d.get("is_read_only"), at + ".is_read_only");
            boolean isRoot = d.has("is_root_device") && bool(d.get("is_root_device"), at + ".is_root_device");
            if (isRoot) {
                if (root != null) {
                    throw new ConfigException(at + ".is_root_device", "only one drive may be the root device; \""
                            + root + "\" is already");
                }
                root = id;
            }
            out.add(new VmConfig.Drive(id, path, readOnly, isRoot));
        }
        return out;
    }

    private static Optional<VmConfig.Entropy> entropy(JsonNode node) throws ConfigException {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        requireObject(node, ENTROPY);
        if (node.has("rate_limiter")) {
            throw new ConfigException(ENTROPY + ".rate_limiter", "not supported by virtio-vmm");
        }
        allowOnly(node, ENTROPY);
        return Optional.of(new VmConfig.Entropy());
    }

    private Optional<VmConfig.Console> console(JsonNode node) throws ConfigException {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        requireObject(node, VIRTIO_CONSOLE);
        allowOnly(node, VIRTIO_CONSOLE, "output", "input");
        String output = "stdout";
        if (node.has("output")) {
            output = string(node.get("output"), VIRTIO_CONSOLE + ".output");
            if (output.isEmpty()) {
                throw new ConfigException(VIRTIO_CONSOLE + ".output", "must be \"stdout\" or a file path, got \"\"");
            }
            if (!output.equals("stdout")) {
                Path p = resolve(output, VIRTIO_CONSOLE + ".output");
                Path parent = p.getParent();
                if (parent == null || !Files.isDirectory(parent)) {
                    throw new ConfigException(VIRTIO_CONSOLE + ".output", "directory not found: " + parent);
                }
                if (Files.isDirectory(p)) {
                    throw new ConfigException(VIRTIO_CONSOLE + ".output", "is a directory: " + p);
                }
                output = p.toString();
            }
        }
        String input = "none";
        if (node.has("input")) {
            input = string(node.get("input"), VIRTIO_CONSOLE + ".input");
            if (!input.equals("stdin") && !input.equals("none")) {
                throw new ConfigException(VIRTIO_CONSOLE + ".input", "must be \"stdin\" or \"none\", got \"" + input + "\"");
            }
            if (input.equals("stdin") && !output.equals("stdout")) {
                throw new ConfigException(VIRTIO_CONSOLE + ".input", "\"stdin\" needs output \"stdout\"");
            }
        }
        return Optional.of(new VmConfig.Console(output, input));
    }

    // ---- value checks, each naming the JSON path ----

    private static JsonNode required(JsonNode parent, String key, String parentPath) throws ConfigException {
        JsonNode v = parent.get(key);
        String path = parentPath.isEmpty() ? key : parentPath + "." + key;
        if (v == null || v.isNull()) {
            throw new ConfigException(path, "required key is missing");
        }
        return v;
    }

    private static void requireObject(JsonNode node, String path) throws ConfigException {
        if (!node.isObject()) {
            throw new ConfigException(path, "must be an object, got " + describe(node));
        }
    }

    private static void allowOnly(JsonNode node, String path, String... keys) throws ConfigException {
        Set<String> allowed = Set.of(keys);
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!allowed.contains(e.getKey())) {
                throw new ConfigException(path + "." + e.getKey(), "unknown key"
                        + (keys.length == 0 ? "" : "; expected one of " + String.join(", ", keys)));
            }
        }
    }

    private static String string(JsonNode node, String path) throws ConfigException {
        if (!node.isTextual()) {
            throw new ConfigException(path, "must be a string, got " + describe(node));
        }
        return node.textValue();
    }

    private static boolean bool(JsonNode node, String path) throws ConfigException {
        if (!node.isBoolean()) {
            throw new ConfigException(path, "must be a boolean (true or false), got " + describe(node));
        }
        return node.booleanValue();
    }

    private static int intInRange(JsonNode node, String path, int min, int max) throws ConfigException {
        String what = min == 1 ? "a positive integer" : "an integer";
        if (!node.isIntegralNumber()) {
            throw new ConfigException(path, "must be " + what + ", got " + describe(node));
        }
        if (!node.canConvertToInt() || node.intValue() < min || node.intValue() > max) {
            throw new ConfigException(path, "must be " + what + " from " + min + " to " + max + ", got " + node);
        }
        return node.intValue();
    }

    private Path resolve(String value, String path) throws ConfigException {
        try {
            return baseDirectory.resolve(value).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException(path, "not a valid path: \"" + value + "\"");
        }
    }

    private Path existingFile(JsonNode node, String path) throws ConfigException {
        String value = string(node, path);
        if (value.isEmpty()) {
            throw new ConfigException(path, "must be a file path, got \"\"");
        }
        Path p = resolve(value, path);
        if (!Files.exists(p)) {
            throw new ConfigException(path, "file not found: " + p);
        }
        if (!Files.isRegularFile(p)) {
            throw new ConfigException(path, "not a regular file: " + p);
        }
        if (!Files.isReadable(p)) {
            throw new ConfigException(path, "not readable: " + p);
        }
        return p;
    }

    /** @return the node as the user wrote it, with its JSON type, e.g. {@code "abc" (a string)} */
    private static String describe(JsonNode node) {
        String type = switch (node.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
        String text = node.toString();
        if (text.length() > 60) {
            text = text.substring(0, 57) + "...";
        }
        return node.isContainerNode() ? type : text + " (" + type + ")";
    }
}
