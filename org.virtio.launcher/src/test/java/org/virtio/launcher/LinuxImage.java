package org.virtio.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Test support for level D (Linux under our VMM): Debian's <em>generic</em> amd64 kernel (the {@code -cloud}
 * flavour lacks MPPARSE) and a busybox-static initramfs that loads the virtio modules, prints
 * {@value #READY}, hashes the first sector of {@code /dev/vda}, writes {@value #CONSOLE_OK} to
 * {@code /dev/hvc0} and resets the machine ({@code reboot -f} with {@code reboot=k}: the i8042, so the
 * launcher exits 0).
 *
 * <p>Everything is fetched with the ordinary apt client ({@code apt-get download}, {@code dpkg -x}) into
 * {@code org.virtio.launcher/target/level-d/} (never in git) and reused from there. The kernel package is
 * the one {@code apt-cache depends linux-image-amd64} names (override with
 * {@code -Dlevel-d.kernel-package=linux-image-…-amd64}). Which of virtio_ring, virtio, virtio_mmio,
 * virtio_blk, virtio_console are modules is read from the package's {@code /boot/config-*} (and
 * {@code modules.builtin}); only the modules are copied, decompressed if they are {@code .ko.xz},
 * {@code .ko.zst} or {@code .ko.gz}, and loaded in dependency order (each module's {@code depends=} from its
 * {@code .modinfo}; the package has no {@code modules.dep}).
 *
 * <p>Manual run of the preparation alone (download + initramfs, no VM), which works on hosts without
 * VMX/SVM too:
 * <pre>
 * cd /work/main &amp;&amp; . bin/java25-env.sh &amp;&amp; mvn -q -o -f org.virtio.launcher/pom.xml verify -Dlevel-d.prepare=true
 * </pre>
 * ({@link LinuxImagePrepareTest}; or run {@link #main} with the test class path).
 */
public final class LinuxImage {
    /** The kernel command line the level-D test boots with (the launcher appends its virtio_mmio.device= entries). */
    static final String CMDLINE = "console=ttyS0 panic=-1 reboot=k";
    static final String READY = "LEVEL-D: shell ready";
    static final String VDA = "LEVEL-D: vda ";
    static final String CONSOLE_OK = "LEVEL-D: console ok";

    /** The drivers the guest needs, in the order the brief names them; the load order comes from their dependencies. */
    static final Map<String, String> WANTED = new LinkedHashMap<>();

    static {
        // virtio_ring.o is built by CONFIG_VIRTIO (drivers/virtio/Makefile: obj-$(CONFIG_VIRTIO) += virtio.o virtio_ring.o)
        WANTED.put("virtio_ring", "CONFIG_VIRTIO");
        WANTED.put("virtio", "CONFIG_VIRTIO");
        WANTED.put("virtio_mmio", "CONFIG_VIRTIO_MMIO");
        WANTED.put("virtio_blk", "CONFIG_VIRTIO_BLK");
        WANTED.put("virtio_console", "CONFIG_VIRTIO_CONSOLE");
    }

    /** The image could not be prepared on this host (no apt, no network, a tool missing): a reason to skip. */
    public static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    /** One of the wanted drivers (or a dependency): built in, or a module copied to {@code /lib/modules/<name>.ko}. */
    public record Module(String name, String configSymbol, String configValue, boolean builtIn, Path source, List<String> depends) {
    }

    /**
     * The prepared image.
     *
     * @param kernel        the bzImage ({@code vmlinuz-*})
     * @param initrd        the gzip-compressed newc initramfs
     * @param kernelPackage e.g. {@code linux-image-6.1.0-56-amd64_6.1.192-2_amd64.deb}
     * @param modules       the drivers, built-in ones included
     * @param loadOrder     the modules the init script insmods, in this order
     */
    public record Image(Path kernel, Path initrd, String kernelPackage, String busyboxPackage, List<Module> modules,
            List<String> loadOrder) {
        public String describe() {
            StringBuilder s = new StringBuilder();
            s.append("kernel package: ").append(kernelPackage).append('\n');
            s.append("busybox package: ").append(busyboxPackage).append('\n');
            s.append("kernel: ").append(kernel).append(" (").append(sizeOf(kernel)).append(" bytes)\n");
            s.append("initrd: ").append(initrd).append(" (").append(sizeOf(initrd)).append(" bytes, gzip newc)\n");
            for (Module m : modules) {
                s.append("  ").append(m.name()).append(": ").append(m.configSymbol()).append('=').append(m.configValue())
                        .append(m.builtIn() ? " (built in)" : " (module " + m.source().getFileName() + ", "
                                + sizeOf(m.source()) + " bytes, depends=" + String.join(",", m.depends()) + ")")
                        .append('\n');
            }
            s.append("insmod order: ").append(loadOrder.isEmpty() ? "(none: all built in)" : String.join(" ", loadOrder))
                    .append('\n');
            return s.toString();
        }
    }

    private LinuxImage() {
    }

    /** {@code org.virtio.launcher/target/level-d} when run from the module directory (as surefire does). */
    public static Path defaultCache() {
        return Path.of("target", "level-d").toAbsolutePath();
    }

    /** Manual entry point: prepares the image and prints what it holds. */
    public static void main(String[] args) throws Exception {
        Path cache = args.length > 0 ? Path.of(args[0]) : defaultCache();
        try {
            System.out.print(prepare(cache, System.out).describe());
        } catch (Unavailable e) {
            System.err.println("level-D image not prepared: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Downloads (or reuses) the kernel and busybox packages and builds the initramfs.
     *
     * @param cache the cache directory, e.g. {@link #defaultCache()}
     * @param log   progress goes here
     */
    public static Image prepare(Path cache, PrintStream log) throws IOException, InterruptedException, Unavailable {
        return prepare(cache, log, Extras.NONE);
    }

    /**
     * What another test harness (org.virtio.linuxtest, level C) adds to the image: more drivers, its own
     * {@code /init}, more files. {@link #NONE} is the level-D image.
     *
     * @param name    the initramfs is written as {@code initramfs-<name>-<release>.cpio.gz} (empty: the level-D name)
     * @param modules more modules to load, name to the kernel config symbol that builds it (e.g.
     *                {@code "ext4" -> "CONFIG_EXT4_FS"}); loaded after {@link #WANTED}, dependencies first
     * @param init    the {@code /init} script for the module load order, or null for {@link #initScript}
     * @param files   more files, initramfs path (no leading slash) to host file; missing parent directories
     *                are created, the host file's executable bit decides between mode 0755 and 0644
     */
    public record Extras(String name, Map<String, String> modules, Function<List<String>, String> init,
            Map<String, Path> files) {
        /** The level-D image: nothing added. */
        public static final Extras NONE = new Extras("", Map.of(), null, Map.of());
    }

    /**
     * {@link #prepare(Path, PrintStream)} with {@code extras} added.
     *
     * @param cache  the cache directory
     * @param log    progress goes here
     * @param extras more modules, another init, more files
     */
    public static Image prepare(Path cache, PrintStream log, Extras extras)
            throws IOException, InterruptedException, Unavailable {
        for (String tool : List.of("apt-get", "apt-cache", "dpkg")) {
            if (onPath(tool).isEmpty()) {
                throw new Unavailable(tool + " not on PATH: Debian's kernel and busybox-static cannot be fetched here");
            }
        }
        Files.createDirectories(cache);
        String kernelPackage = System.getProperty("level-d.kernel-package");
        if (kernelPackage == null || kernelPackage.isBlank()) {
            kernelPackage = genericKernelPackage();
        }
        log.println("level-D: kernel package " + kernelPackage);
        Path kernelDeb = download(cache, kernelPackage, log);
        Path kernelRoot = extract(kernelDeb, cache.resolve("kernel"));
        Path busyboxDeb = download(cache, "busybox-static", log);
        Path busyboxRoot = extract(busyboxDeb, cache.resolve("busybox"));

        Path kernel = single(kernelRoot.resolve("boot"), "vmlinuz-");
        String release = kernel.getFileName().toString().substring("vmlinuz-".length());
        Path config = kernelRoot.resolve("boot").resolve("config-" + release);
        Path modulesDir = kernelRoot.resolve("lib").resolve("modules").resolve(release);
        if (!Files.isDirectory(modulesDir)) {
            throw new Unavailable("no lib/modules/" + release + " in " + kernelDeb.getFileName());
        }
        Map<String, String> configValues = readConfig(config);
        Set<String> builtin = readBuiltin(modulesDir.resolve("modules.builtin"));
        Map<String, Path> index = moduleIndex(modulesDir);

        Path moduleOut = cache.resolve("modules-" + release);
        Files.createDirectories(moduleOut);
        Map<String, Module> modules = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        Map<String, String> wanted = new LinkedHashMap<>(WANTED);
        extras.modules().forEach(wanted::putIfAbsent);
        for (String name : wanted.keySet()) {
            resolve(name, wanted, configValues, builtin, index, moduleOut, modules, order, new LinkedHashSet<>());
        }

        Path busybox = busyboxRoot.resolve("bin").resolve("busybox");
        if (!Files.isRegularFile(busybox)) {
            throw new Unavailable("no bin/busybox in " + busyboxDeb.getFileName());
        }
        String init = extras.init() == null ? initScript(order) : extras.init().apply(List.copyOf(order));
        checkScript(busybox, init, cache, log);
        Path initrd = cache.resolve("initramfs-" + (extras.name().isEmpty() ? "" : extras.name() + "-") + release
                + ".cpio.gz");
        writeInitramfs(initrd, busybox, init, order, modules, extras.files());
        Image image = new Image(kernel, initrd, kernelDeb.getFileName().toString(),
                busyboxDeb.getFileName().toString(), List.copyOf(modules.values()), List.copyOf(order));
        log.print(image.describe());
        return image;
    }

    /** The init script: busybox sh, modules in {@code order}, the markers, then an i8042 reset. */
    static String initScript(List<String> order) {
        return """
                #!/bin/busybox sh
                B=/bin/busybox
                $B mount -t proc proc /proc
                $B mount -t sysfs sysfs /sys
                $B mount -t devtmpfs devtmpfs /dev
                for m in %s; do
                  $B insmod /lib/modules/$m.ko || echo "LEVEL-D: insmod $m failed"
                done
                echo "LEVEL-D: modules loaded: $($B cut -d' ' -f1 /proc/modules | $B tr '\\n' ' ')"
                echo "%s"
                n=0
                while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do $B sleep 0.2; n=$((n+1)); done
                if [ -b /dev/vda ]; then
                  h=$($B dd if=/dev/vda bs=512 count=1 2>/dev/null | $B sha256sum | $B cut -d' ' -f1)
                  echo "%s$h"
                else
                  echo "LEVEL-D: no /dev/vda"; $B ls /dev /sys/bus/virtio/devices
                fi
                n=0
                while [ ! -c /dev/hvc0 ] && [ $n -lt 50 ]; do $B sleep 0.2; n=$((n+1)); done
                if [ -c /dev/hvc0 ]; then
                  echo "%s" > /dev/hvc0 && echo "LEVEL-D: hvc0 written"
                else
                  echo "LEVEL-D: no /dev/hvc0"
                fi
                $B sync
                $B sleep 1
                echo "LEVEL-D: reboot"
                $B reboot -f
                """.formatted(String.join(" ", order), READY, VDA, CONSOLE_OK);
    }

    /** Parses the generic flavour from {@code apt-cache depends linux-image-amd64}. */
    static String genericKernelPackage() throws IOException, InterruptedException, Unavailable {
        String out = run(null, "apt-cache", "depends", "linux-image-amd64");
        Matcher m = Pattern.compile("(?m)^\\s*Depends:\\s*(linux-image-[0-9][^\\s]*-amd64)\\s*$").matcher(out);
        if (!m.find()) {
            throw new Unavailable("apt-cache depends linux-image-amd64 names no linux-image-<version>-amd64"
                    + " (is the Debian archive in the apt sources?): " + out.strip());
        }
        return m.group(1);
    }

    private static void resolve(String name, Map<String, String> wanted, Map<String, String> config, Set<String> builtin, Map<String, Path> index,
            Path moduleOut, Map<String, Module> modules, List<String> order, Set<String> visiting)
            throws IOException, InterruptedException, Unavailable {
        String key = name.replace('-', '_');
        if (modules.containsKey(key)) {
            return;
        }
        if (!visiting.add(key)) {
            throw new Unavailable("module dependency cycle through " + key);
        }
        String symbol = wanted.getOrDefault(key, "(dependency)");
        String value = config.getOrDefault(symbol, "unset");
        Path ko = index.get(key);
        boolean isBuiltin = builtin.contains(key) || (value.equals("y") && ko == null);
        if (isBuiltin) {
            modules.put(key, new Module(key, symbol, value, true, null, List.of()));
            return;
        }
        if (ko == null) {
            throw new Unavailable(key + " is neither built in nor a module in this kernel (" + symbol + "=" + value + ")");
        }
        Path copy = moduleOut.resolve(key + ".ko");
        Files.write(copy, decompress(ko));
        List<String> depends = modinfoDepends(Files.readAllBytes(copy));
        for (String d : depends) {
            resolve(d, wanted, config, builtin, index, moduleOut, modules, order, visiting);
        }
        modules.put(key, new Module(key, symbol, value, false, copy, depends));
        order.add(key);
    }

    /** The {@code depends=} entry of a module's {@code .modinfo} (NUL-separated key=value strings). */
    static List<String> modinfoDepends(byte[] ko) {
        byte[] needle = "depends=".getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 1; i + needle.length <= ko.length; i++) {
            if (ko[i - 1] != 0) {
                continue;
            }
            for (int j = 0; j < needle.length; j++) {
                if (ko[i + j] != needle[j]) {
                    continue outer;
                }
            }
            int end = i + needle.length;
            while (end < ko.length && ko[end] != 0) {
                end++;
            }
            String v = new String(ko, i + needle.length, end - i - needle.length, StandardCharsets.US_ASCII);
            return v.isEmpty() ? List.of() : Stream.of(v.split(",")).map(s -> s.replace('-', '_')).toList();
        }
        return List.of();
    }

    private static byte[] decompress(Path ko) throws IOException, InterruptedException, Unavailable {
        String n = ko.getFileName().toString();
        if (n.endsWith(".ko")) {
            return Files.readAllBytes(ko);
        }
        if (n.endsWith(".ko.gz")) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(ko))) {
                return in.readAllBytes();
            }
        }
        String tool = n.endsWith(".ko.xz") ? "xz" : n.endsWith(".ko.zst") ? "zstd" : null;
        if (tool == null) {
            throw new Unavailable("unknown module compression: " + n);
        }
        if (onPath(tool).isEmpty()) {
            throw new Unavailable(tool + " not on PATH: cannot decompress " + n);
        }
        Process p = new ProcessBuilder(tool, "-dc", ko.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(tool + " -dc " + ko + " failed");
        }
        return out;
    }

    private static void writeInitramfs(Path initrd, Path busybox, String init, List<String> order,
            Map<String, Module> modules, Map<String, Path> files) throws IOException {
        Path tmp = initrd.resolveSibling(initrd.getFileName() + ".tmp");
        try (OutputStream file = Files.newOutputStream(tmp);
                GZIPOutputStream gz = new GZIPOutputStream(file, 1 << 16);
                Cpio c = new Cpio(gz)) {
            for (String d : List.of("bin", "sbin", "dev", "proc", "sys", "tmp", "lib", "lib/modules")) {
                c.directory(d, 0755);
            }
            // The kernel opens /dev/console for init's stdin/stdout/stderr before devtmpfs is mounted.
            c.charDevice("dev/console", 0600, 5, 1);
            c.charDevice("dev/null", 0666, 1, 3);
            c.file("bin/busybox", 0755, Files.readAllBytes(busybox));
            c.symlink("bin/sh", "busybox");
            for (String m : order) {
                c.file("lib/modules/" + m + ".ko", 0644, Files.readAllBytes(modules.get(m).source()));
            }
            Set<String> dirs = new java.util.HashSet<>(List.of("bin", "sbin", "dev", "proc", "sys", "tmp", "lib",
                    "lib/modules"));
            for (Map.Entry<String, Path> f : new TreeMap<>(files).entrySet()) {
                String name = f.getKey();
                for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
                    if (dirs.add(name.substring(0, slash))) {
                        c.directory(name.substring(0, slash), 0755);
                    }
                }
                c.file(name, Files.isExecutable(f.getValue()) ? 0755 : 0644, Files.readAllBytes(f.getValue()));
            }
            c.file("init", 0755, init.getBytes(StandardCharsets.US_ASCII));
        }
        Files.move(tmp, initrd, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** {@code busybox sh -n} on the script where this host can run the static x86-64 busybox: a syntax check. */
    private static void checkScript(Path busybox, String init, Path cache, PrintStream log)
            throws IOException, InterruptedException {
        Path script = cache.resolve("init.sh");
        Files.writeString(script, init);
        try {
            String out = run(null, busybox.toString(), "sh", "-n", script.toString());
            log.println("level-D: busybox sh -n init: ok" + (out.isBlank() ? "" : " " + out.strip()));
        } catch (Unavailable e) {
            throw new IllegalStateException("the init script does not parse: " + e.getMessage());
        } catch (IOException e) {
            log.println("level-D: cannot run " + busybox + " here, init script not syntax-checked: " + e);
        }
    }

    private static Path download(Path cache, String pkg, PrintStream log)
            throws IOException, InterruptedException, Unavailable {
        Path debs = cache.resolve("debs");
        Files.createDirectories(debs);
        Optional<Path> have = findDeb(debs, pkg);
        if (have.isPresent()) {
            log.println("level-D: cached " + have.get().getFileName());
            return have.get();
        }
        long t0 = System.nanoTime();
        run(debs, "apt-get", "download", pkg);
        Path deb = findDeb(debs, pkg).orElseThrow(() -> new Unavailable("apt-get download " + pkg + " wrote no .deb"));
        log.printf("level-D: downloaded %s (%d bytes) in %d ms%n", deb.getFileName(), Files.size(deb),
                (System.nanoTime() - t0) / 1_000_000);
        return deb;
    }

    private static Optional<Path> findDeb(Path debs, String pkg) throws IOException {
        try (Stream<Path> s = Files.list(debs)) {
            return s.filter(p -> p.getFileName().toString().startsWith(pkg + "_") && p.toString().endsWith(".deb"))
                    .sorted().reduce((a, b) -> b);
        }
    }

    private static Path extract(Path deb, Path root) throws IOException, InterruptedException, Unavailable {
        Path stamp = root.resolve(".extracted-from");
        if (Files.exists(stamp) && Files.readString(stamp).equals(deb.getFileName().toString())) {
            return root;
        }
        if (Files.exists(root)) {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(root);
        run(null, "dpkg", "-x", deb.toString(), root.toString());
        Files.writeString(stamp, deb.getFileName().toString());
        return root;
    }

    private static Path single(Path dir, String prefix) throws IOException, Unavailable {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> l = s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
            if (l.size() != 1) {
                throw new Unavailable("expected one " + prefix + "* in " + dir + ", found " + l);
            }
            return l.get(0);
        }
    }

    private static Map<String, String> readConfig(Path config) throws IOException {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(config)) {
            return m;
        }
        for (String line : Files.readAllLines(config)) {
            int eq = line.indexOf('=');
            if (line.startsWith("CONFIG_") && eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            } else if (line.startsWith("# CONFIG_") && line.endsWith(" is not set")) {
                m.put(line.substring(2, line.length() - " is not set".length()), "n");
            }
        }
        return m;
    }

    private static Set<String> readBuiltin(Path modulesBuiltin) throws IOException {
        Set<String> s = new LinkedHashSet<>();
        if (Files.exists(modulesBuiltin)) {
            for (String line : Files.readAllLines(modulesBuiltin)) {
                String f = line.substring(line.lastIndexOf('/') + 1);
                if (f.endsWith(".ko")) {
                    s.add(f.substring(0, f.length() - 3).replace('-', '_'));
                }
            }
        }
        return s;
    }

    private static Map<String, Path> moduleIndex(Path modulesDir) throws IOException {
        Map<String, Path> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(modulesDir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String f = p.getFileName().toString();
                int k = f.indexOf(".ko");
                if (k > 0 && (f.endsWith(".ko") || f.endsWith(".ko.xz") || f.endsWith(".ko.zst") || f.endsWith(".ko.gz"))) {
                    m.putIfAbsent(f.substring(0, k).replace('-', '_'), p);
                }
            }
        }
        return m;
    }

    public static Optional<Path> onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, tool);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Runs a command; a non-zero exit or a timeout is {@link Unavailable} with its output. */
    private static String run(Path dir, String... command) throws IOException, InterruptedException, Unavailable {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new Unavailable(String.join(" ", command) + " did not finish within 600 s");
        }
        reader.join();
        String s = out.toString(StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new Unavailable(String.join(" ", command) + " exited " + p.exitValue() + ": " + s.strip());
        }
        return s;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }
}
