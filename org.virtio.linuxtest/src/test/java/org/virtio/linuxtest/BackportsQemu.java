package org.virtio.linuxtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * QEMU 10 from Debian bookworm-backports, unpacked into {@code target/level-c/qemu-backports/} (never
 * installed system-wide, never committed) for the one level-C test that needs it: QEMU 7.2's
 * {@code vhost-user-input} refuses to start without KVM ("vhost initialization failed: requires kvm"), newer
 * QEMU does not, and Linux cannot boot under this host's PVM KVM.
 *
 * <p>The archive is trusted the way apt trusts it: {@code InRelease} is checked with {@code gpgv} against
 * {@code /usr/share/keyrings/debian-archive-keyring.gpg}, {@code Packages.xz} against the SHA256 the signed
 * release names, and each {@code .deb} against the SHA256 of its {@code Packages} entry; then {@code dpkg -x}.
 * Only {@code qemu-system-x86} (the binary) and {@code qemu-system-data} (firmware: {@code qboot.rom} is the
 * microvm BIOS, given with {@code -bios}; the rest through {@code -L}) are needed. Their shared libraries
 * are ordinary bookworm packages: those {@code ldd} cannot find are installed from the binary's
 * {@code Depends} with apt-get (as root); whatever still fails is reported through {@link Unavailable}.
 */
final class BackportsQemu {
    static final String MIRROR = System.getProperty("level-c.debian-mirror", "http://deb.debian.org/debian");
    static final String SUITE = "bookworm-backports";
    static final Path KEYRING = Path.of("/usr/share/keyrings/debian-archive-keyring.gpg");
    /** The binary package and the firmware package; the others it depends on are not needed for a microvm. */
    static final List<String> PACKAGES = List.of("qemu-system-x86", "qemu-system-data");
    /** The first major version whose vhost-user-input starts under TCG (the check was dropped after 7.2). */
    static final int MIN_MAJOR = 10;

    /** The backports QEMU could not be fetched, unpacked or run here; the message says which step and why. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    /**
     * A usable QEMU.
     *
     * @param binary    {@code qemu-system-x86_64}
     * @param dataDir   its firmware directory ({@code -L})
     * @param moduleDir an empty directory for {@code QEMU_MODULE_DIR}, so that it never loads the system QEMU's
     *                  modules (built for 7.2) from its compiled-in module path
     * @param version   what {@code --version} printed, e.g. {@code 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)}
     */
    record Qemu(Path binary, Path dataDir, Path moduleDir, String version) {
        /** The command prefix {@link QemuGuest} starts instead of the system {@code qemu-system-x86_64}. */
        List<String> command() {
            return List.of("env", "QEMU_MODULE_DIR=" + moduleDir, binary.toString(), "-L", dataDir.toString(),
                    "-bios", dataDir.resolve("qboot.rom").toString());
        }
    }

    private static final Pattern VERSION = Pattern.compile("QEMU emulator version ((\\d+)\\.(\\d+)\\.(\\d+)[^\\n]*)");

    private BackportsQemu() {
    }

    /** The unpacked QEMU, fetching it on first use; throws {@link Unavailable} naming the step that failed. */
    static synchronized Qemu get() throws IOException, InterruptedException, Unavailable {
        Path dir = GuestImage.cache().resolve("qemu-backports");
        Path root = dir.resolve("root");
        Path stamp = dir.resolve("debian-version");
        if (!Files.isRegularFile(stamp) || !Files.isExecutable(root.resolve("usr/bin/qemu-system-x86_64"))) {
            fetch(dir, root, stamp);
        }
        Path binary = root.resolve("usr/bin/qemu-system-x86_64");
        Path data = root.resolve("usr/share/qemu");
        if (!Files.isRegularFile(data.resolve("qboot.rom"))) {
            throw new Unavailable(data + " has no qboot.rom (the microvm BIOS) after unpacking qemu-system-data");
        }
        ensureLibraries(binary, Files.readString(dir.resolve("depends")).strip());
        Path modules = Files.createDirectories(dir.resolve("no-modules"));
        LevelC.Run run = LevelC.run(List.of(binary.toString(), "-L", data.toString(), "--version"));
        Matcher m = VERSION.matcher(run.output());
        if (run.status() != 0 || !m.find()) {
            throw new Unavailable(binary + " --version failed (exit " + run.status() + "): " + Backend.lastLines(run.output(), 3));
        }
        String debian = Files.readString(stamp).strip();
        String upstream = m.group(2) + "." + m.group(3) + "." + m.group(4);
        if (Integer.parseInt(m.group(2)) < MIN_MAJOR || !debian.contains(":" + upstream + "+")) {
            throw new Unavailable(binary + " reports version " + m.group(1) + ", expected QEMU >= " + MIN_MAJOR
                    + " matching the unpacked package " + debian);
        }
        return new Qemu(binary, data, modules, m.group(1).strip());
    }

    /** Downloads, verifies and unpacks {@link #PACKAGES} into {@code root}; writes {@code stamp} last. */
    private static void fetch(Path dir, Path root, Path stamp) throws IOException, InterruptedException, Unavailable {
        Files.createDirectories(dir);
        Files.deleteIfExists(stamp);
        if (!Files.isRegularFile(KEYRING)) {
            throw new Unavailable(KEYRING + " is missing (package debian-archive-keyring): cannot check " + SUITE);
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        String dists = MIRROR + "/dists/" + SUITE + "/";
        Path inRelease = download(http, dists + "InRelease", dir.resolve("InRelease"), null);
        Path release = dir.resolve("Release.verified");
        LevelC.Run gpgv = LevelC.run(List.of("gpgv", "--keyring", KEYRING.toString(), "--output", release.toString(),
                inRelease.toString()));
        if (gpgv.status() != 0) {
            throw new Unavailable("gpgv does not accept " + dists + "InRelease: " + Backend.lastLines(gpgv.output(), 3));
        }
        Matcher idx = Pattern.compile("(?m)^ ([0-9a-f]{64})\\s+\\d+ main/binary-amd64/Packages\\.xz$")
                .matcher(Files.readString(release));
        if (!idx.find()) {
            throw new Unavailable("the signed " + SUITE + " Release lists no SHA256 for main/binary-amd64/Packages.xz");
        }
        Path xz = download(http, dists + "main/binary-amd64/Packages.xz", dir.resolve("Packages.xz"), idx.group(1));
        LevelC.Run unxz = LevelC.run(List.of("xz", "-dc", xz.toString()));
        if (unxz.status() != 0) {
            throw new Unavailable("xz -dc " + xz + " failed: " + Backend.lastLines(unxz.output(), 3));
        }
        Map<String, Map<String, String>> entries = new LinkedHashMap<>();
        for (String p : PACKAGES) {
            entries.put(p, entry(unxz.output(), p).orElseThrow(() -> new Unavailable(SUITE + " main/binary-amd64 has no package " + p)));
        }
        String version = entries.get(PACKAGES.get(0)).get("Version");
        for (var e : entries.entrySet()) {
            if (!version.equals(e.getValue().get("Version"))) {
                throw new Unavailable(SUITE + " has " + PACKAGES.get(0) + " " + version + " but " + e.getKey() + " "
                        + e.getValue().get("Version") + " (a mirror in the middle of an update?)");
            }
        }
        Path tmp = dir.resolve("root.tmp");
        deleteTree(tmp);
        deleteTree(root);
        Files.createDirectories(tmp);
        for (var e : entries.entrySet()) {
            String file = e.getValue().get("Filename");
            if (file == null || file.contains("..") || e.getValue().get("SHA256") == null) {
                throw new Unavailable("the " + SUITE + " entry of " + e.getKey() + " has no usable Filename/SHA256");
            }
            Path deb = download(http, MIRROR + "/" + file, dir.resolve(e.getKey() + ".deb"), e.getValue().get("SHA256"));
            LevelC.Run x = LevelC.run(List.of("dpkg", "-x", deb.toString(), tmp.toString()));
            if (x.status() != 0) {
                throw new Unavailable("dpkg -x " + deb + " failed: " + Backend.lastLines(x.output(), 3));
            }
            Files.delete(deb);
        }
        Files.move(tmp, root, StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(dir.resolve("depends"), entries.get(PACKAGES.get(0)).getOrDefault("Depends", "") + "\n");
        Files.writeString(stamp, version + "\n");
    }

    /** The fields of {@code pkg}'s stanza in a Packages index (continuation lines joined). */
    static Optional<Map<String, String>> entry(String index, String pkg) {
        for (String stanza : index.split("\n\n")) {
            Map<String, String> fields = new LinkedHashMap<>();
            String last = null;
            for (String line : stanza.split("\n")) {
                if (line.startsWith(" ") && last != null) {
                    fields.merge(last, line.strip(), (a, b) -> a + "\n" + b);
                } else if (line.indexOf(':') > 0) {
                    last = line.substring(0, line.indexOf(':'));
                    fields.put(last, line.substring(line.indexOf(':') + 1).strip());
                }
            }
            if (pkg.equals(fields.get("Package"))) {
                return Optional.of(fields);
            }
        }
        return Optional.empty();
    }

    /**
     * Makes sure {@code ldd} finds every shared library of {@code binary}: if not, installs (as root) those of its
     * {@code Depends} packages that dpkg does not have, from the host's own (bookworm) archive.
     */
    private static void ensureLibraries(Path binary, String depends) throws IOException, InterruptedException, Unavailable {
        List<String> missing = missingLibraries(binary);
        if (missing.isEmpty()) {
            return;
        }
        List<String> packages = new ArrayList<>();
        for (String dep : depends.split(",")) {
            String name = dep.strip().split("[ |(]")[0];
            if (name.isEmpty() || name.startsWith("qemu-") || name.equals("seabios") || name.equals("ipxe-qemu")) {
                continue;
            }
            LevelC.Run q = LevelC.run(List.of("dpkg-query", "-W", "-f=${Status}", name));
            if (q.status() != 0 || !q.output().contains("install ok installed")) {
                packages.add(name);
            }
        }
        String why;
        if (!"root".equals(System.getProperty("user.name"))) {
            why = "not root, so cannot apt-get install " + packages;
        } else if (packages.isEmpty()) {
            why = "every package of its Depends is installed";
        } else {
            LevelC.Run apt = LevelC.run(List.of("sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive"
                    + " apt-get install -y -qq --no-install-recommends " + String.join(" ", packages)));
            why = apt.status() == 0 ? "after apt-get install " + packages
                    : "apt-get install " + packages + " failed: " + Backend.lastLines(apt.output(), 3);
        }
        missing = missingLibraries(binary);
        if (!missing.isEmpty()) {
            throw new Unavailable(binary + " needs shared libraries this host does not have " + missing + " (" + why + ")");
        }
    }

    private static List<String> missingLibraries(Path binary) throws IOException, InterruptedException, Unavailable {
        LevelC.Run ldd = LevelC.run(List.of("ldd", binary.toString()));
        if (ldd.status() != 0) {
            throw new Unavailable("ldd " + binary + " failed: " + Backend.lastLines(ldd.output(), 3));
        }
        return ldd.output().lines().filter(l -> l.contains("not found")).map(l -> l.strip().split("\\s")[0]).toList();
    }

    /** GETs {@code url} into {@code to} (through a temporary file); checks its SHA256 when {@code sha256} is given. */
    private static Path download(HttpClient http, String url, Path to, String sha256) throws IOException,
            InterruptedException, Unavailable {
        Path part = to.resolveSibling(to.getFileName() + ".part");
        HttpResponse<Path> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).build(),
                    HttpResponse.BodyHandlers.ofFile(part));
        } catch (IOException e) {
            throw new Unavailable("cannot download " + url + ": " + e);
        }
        if (r.statusCode() != 200) {
            Files.deleteIfExists(part);
            throw new Unavailable("GET " + url + " answered HTTP " + r.statusCode());
        }
        if (sha256 != null) {
            String got = LevelC.sha256(part);
            if (!got.equals(sha256)) {
                Files.deleteIfExists(part);
                throw new Unavailable(url + " has SHA256 " + got + ", the signed index says " + sha256);
            }
        }
        return Files.move(part, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
