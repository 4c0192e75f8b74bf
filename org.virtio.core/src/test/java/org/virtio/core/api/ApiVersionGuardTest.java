package org.virtio.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Guards the semantic versions of the exported API packages (the job bnd baselining does against a
 * released artifact, which this project does not publish yet). For each package in bnd.bnd's
 * Export-Package, the public signature is compared with the committed {@code api/<package>.api}: a
 * changed signature needs a higher {@code @Version} in package-info.java — major when something was
 * removed or changed, at least minor when something was only added. Accept an intended change with
 * {@code mvn test -Dapi.update=true} and commit the updated file.
 */
class ApiVersionGuardTest {
    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path API_DIR = MODULE.resolve("api");
    private static final boolean UPDATE = Boolean.getBoolean("api.update");

    @TestFactory
    Stream<DynamicTest> exportedPackagesKeepTheirVersionsHonest() throws IOException {
        return exportedPackages().stream().map(pkg -> DynamicTest.dynamicTest(pkg, () -> check(pkg)));
    }

    @Test
    void onlyApiPackagesAreExported() throws IOException {
        List<String> exported = exportedPackages();
        assertFalse(exported.isEmpty(), "bnd.bnd exports nothing");
        for (String p : exported) {
            assertFalse(p.contains(".internal"), "implementation package exported: " + p);
        }
    }

    static List<String> exportedPackages() throws IOException {
        String bnd = Files.readString(MODULE.resolve("bnd.bnd")).replace("\\\n", " ");
        Matcher m = Pattern.compile("(?m)^Export-Package:(.*)$").matcher(bnd);
        if (!m.find()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String s : m.group(1).split(",")) {
            String p = s.trim().split(";")[0].trim();
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    private static void check(String pkg) throws Exception {
        String version = declaredVersion(pkg);
        List<String> signature = signature(pkg);
        Path file = API_DIR.resolve(pkg + ".api");
        if (!Files.exists(file)) {
            if (UPDATE) {
                write(file, version, signature);
                return;
            }
            fail("no API baseline " + file + " for exported package " + pkg + "; create it with -Dapi.update=true");
        }
        List<String> lines = Files.readAllLines(file);
        String baseVersion = lines.get(0).replace("version ", "").trim();
        List<String> base = lines.subList(1, lines.size());
        if (base.equals(signature)) {
            assertEquals(baseVersion, version, pkg + ": @Version changed but the API did not; keep " + baseVersion);
            return;
        }
        Set<String> removed = new TreeSet<>(base);
        removed.removeAll(signature);
        Set<String> added = new TreeSet<>(signature);
        added.removeAll(base);
        int[] was = parse(baseVersion);
        int[] now = parse(version);
        boolean majorBump = now[0] > was[0];
        boolean minorBump = majorBump || (now[0] == was[0] && now[1] > was[1]);
        String diff = "\n  removed/changed: " + removed + "\n  added: " + added;
        if (!removed.isEmpty() && !majorBump) {
            fail(pkg + ": API removed or changed without a major version bump (" + baseVersion + " -> " + version + ")" + diff);
        }
        if (!minorBump) {
            fail(pkg + ": API extended without a minor version bump (" + baseVersion + " -> " + version + ")" + diff);
        }
        if (UPDATE) {
            write(file, version, signature);
        } else {
            fail(pkg + ": API changed and the version was bumped to " + version
                    + "; record it with -Dapi.update=true and commit " + file + diff);
        }
    }

    private static void write(Path file, String version, List<String> signature) throws IOException {
        Files.createDirectories(file.getParent());
        List<String> out = new ArrayList<>();
        out.add("version " + version);
        out.addAll(signature);
        Files.write(file, out);
    }

    private static int[] parse(String v) {
        String[] p = v.split("\\.");
        return new int[] {Integer.parseInt(p[0]), p.length > 1 ? Integer.parseInt(p[1]) : 0};
    }

    static String declaredVersion(String pkg) throws IOException {
        Path info = MODULE.resolve("src/main/java").resolve(pkg.replace('.', '/')).resolve("package-info.java");
        if (!Files.exists(info)) {
            fail("exported package " + pkg + " has no package-info.java with @Version");
        }
        Matcher m = Pattern.compile("@Version\\(\"([0-9.]+)\"\\)").matcher(Files.readString(info));
        if (!m.find()) {
            fail(info + " has no @Version(\"x.y.z\")");
        }
        return m.group(1);
    }

    /** One line per public type and per public or protected member, sorted. */
    static List<String> signature(String pkg) throws Exception {
        Path dir = MODULE.resolve("target/classes").resolve(pkg.replace('.', '/'));
        TreeSet<String> lines = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".class") || name.equals("package-info.class")) {
                    continue;
                }
                Class<?> c = Class.forName(pkg + "." + name.substring(0, name.length() - 6), false,
                        ApiVersionGuardTest.class.getClassLoader());
                if (!isVisible(c)) {
                    continue;
                }
                describe(c, lines);
            }
        }
        return new ArrayList<>(lines);
    }

    private static boolean isVisible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (!Modifier.isPublic(k.getModifiers()) && !Modifier.isProtected(k.getModifiers())) {
                return false;
            }
        }
        return !c.isAnonymousClass() && !c.isSynthetic();
    }

    private static void describe(Class<?> c, Set<String> lines) {
        String t = c.getName();
        StringBuilder head = new StringBuilder(t).append(" : ").append(kind(c));
        if (c.getSuperclass() != null && c.getSuperclass() != Object.class && !c.isEnum() && !c.isRecord()) {
            head.append(" extends ").append(c.getSuperclass().getTypeName());
        }
        Class<?>[] ifaces = c.getInterfaces();
        if (ifaces.length > 0) {
            head.append(" implements ").append(Arrays.stream(ifaces).map(Class::getName).sorted().toList());
        }
        if (c.isEnum()) {
            head.append(" constants ").append(Arrays.stream(c.getEnumConstants()).map(Object::toString).toList());
        }
        if (c.isRecord()) {
            head.append(" components ").append(Arrays.stream(c.getRecordComponents())
                    .map(RecordComponent::getGenericType).map(java.lang.reflect.Type::getTypeName).toList());
        }
        lines.add(head.toString());
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (visible(k.getModifiers())) {
                lines.add(t + " <init>(" + params(k.getGenericParameterTypes()) + ")");
            }
        }
        for (Method m : c.getDeclaredMethods()) {
            if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                lines.add(t + " " + mods(m.getModifiers()) + m.getGenericReturnType().getTypeName() + " " + m.getName()
                        + "(" + params(m.getGenericParameterTypes()) + ")"
                        + (m.getExceptionTypes().length > 0 ? " throws " + Arrays.stream(m.getExceptionTypes())
                                .map(Class::getName).sorted().toList() : ""));
            }
        }
        for (Field f : c.getDeclaredFields()) {
            if (visible(f.getModifiers()) && !f.isEnumConstant() && !f.isSynthetic()) {
                lines.add(t + " field " + mods(f.getModifiers()) + f.getGenericType().getTypeName() + " " + f.getName());
            }
        }
    }

    private static boolean visible(int mod) {
        return Modifier.isPublic(mod) || Modifier.isProtected(mod);
    }

    private static String mods(int mod) {
        return (Modifier.isStatic(mod) ? "static " : "") + (Modifier.isAbstract(mod) ? "abstract " : "")
                + (Modifier.isFinal(mod) ? "final " : "") + (Modifier.isProtected(mod) ? "protected " : "");
    }

    private static String kind(Class<?> c) {
        if (c.isAnnotation()) {
            return "@interface";
        }
        if (c.isInterface()) {
            return "interface";
        }
        if (c.isEnum()) {
            return "enum";
        }
        if (c.isRecord()) {
            return "record";
        }
        return (Modifier.isFinal(c.getModifiers()) ? "final " : "") + (Modifier.isAbstract(c.getModifiers()) ? "abstract " : "")
                + "class";
    }

    private static String params(java.lang.reflect.Type[] types) {
        return String.join(", ", Arrays.stream(types).map(java.lang.reflect.Type::getTypeName).toList());
    }
}
