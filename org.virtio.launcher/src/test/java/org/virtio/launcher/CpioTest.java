package org.virtio.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Cpio}: headers parsed back field by field, padding, and the system {@code cpio -it} where installed. */
class CpioTest {
    @TempDir
    Path dir;

    /** One parsed newc entry. */
    record Entry(String name, int ino, int mode, int nlink, int rdevMajor, int rdevMinor, byte[] data) {
    }

    /** An independent newc reader: checks magic, alignment and the trailer. */
    static List<Entry> parse(byte[] a) {
        List<Entry> entries = new ArrayList<>();
        int p = 0;
        while (true) {
            assertEquals(0, p % 4, "every header starts 4-byte aligned");
            String h = new String(a, p, Cpio.HEADER_LENGTH, StandardCharsets.US_ASCII);
            assertEquals(Cpio.MAGIC, h.substring(0, 6), "magic at offset " + p);
            long[] f = new long[13];
            for (int i = 0; i < 13; i++) {
                String field = h.substring(6 + 8 * i, 14 + 8 * i);
                assertTrue(field.matches("[0-9A-F]{8}"), "field " + i + " is 8 hex digits: " + field);
                f[i] = Long.parseLong(field, 16);
            }
            int nameSize = (int) f[11];
            int fileSize = (int) f[6];
            assertEquals(0, f[12], "check field");
            int nameStart = p + Cpio.HEADER_LENGTH;
            assertEquals(0, a[nameStart + nameSize - 1], "name is NUL-terminated");
            String name = new String(a, nameStart, nameSize - 1, StandardCharsets.UTF_8);
            int dataStart = align4(nameStart + nameSize);
            for (int i = nameStart + nameSize; i < dataStart; i++) {
                assertEquals(0, a[i], "name padding is zero");
            }
            byte[] data = java.util.Arrays.copyOfRange(a, dataStart, dataStart + fileSize);
            p = align4(dataStart + fileSize);
            if (name.equals(Cpio.TRAILER)) {
                assertEquals(0, fileSize);
                assertEquals(a.length, p, "nothing after the trailer but padding");
                return entries;
            }
            entries.add(new Entry(name, (int) f[0], (int) f[1], (int) f[4], (int) f[9], (int) f[10], data));
        }
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }

    private static byte[] sample() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Cpio c = new Cpio(bytes)) {
            c.directory("bin", 0755)
                    .directory("dev", 0755)
                    .file("bin/busybox", 0755, "not really busybox".getBytes(StandardCharsets.US_ASCII))
                    .symlink("bin/sh", "busybox")
                    .charDevice("dev/console", 0600, 5, 1)
                    .file("init", 0755, "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.US_ASCII))
                    .file("empty", 0644, new byte[0])
                    .file("abc", 0600, new byte[] {1, 2, 3});
        }
        return bytes.toByteArray();
    }

    @Test
    void headersParseBackWithModesSizesAndPadding() throws IOException {
        byte[] a = sample();
        assertEquals(0, a.length % 4);
        List<Entry> e = parse(a);
        assertEquals(List.of("bin", "dev", "bin/busybox", "bin/sh", "dev/console", "init", "empty", "abc"),
                e.stream().map(Entry::name).toList());
        assertEquals(Cpio.S_IFDIR | 0755, e.get(0).mode());
        assertEquals(2, e.get(0).nlink());
        assertEquals(Cpio.S_IFREG | 0755, e.get(2).mode());
        assertArrayEquals("not really busybox".getBytes(StandardCharsets.US_ASCII), e.get(2).data());
        assertEquals(Cpio.S_IFLNK | 0777, e.get(3).mode());
        assertEquals("busybox", new String(e.get(3).data(), StandardCharsets.US_ASCII));
        assertEquals(Cpio.S_IFCHR | 0600, e.get(4).mode());
        assertEquals(5, e.get(4).rdevMajor());
        assertEquals(1, e.get(4).rdevMinor());
        assertEquals(0, e.get(6).data().length);
        assertArrayEquals(new byte[] {1, 2, 3}, e.get(7).data());
        assertEquals(e.size(), e.stream().mapToInt(Entry::ino).distinct().count(), "distinct inodes: no hard links");
        // The first header, byte for byte: ino 1, mode 040755, nlink 2, namesize 4 ("bin\0").
        assertEquals("070701" + "00000001" + "000041ED" + "00000000" + "00000000" + "00000002" + "00000000"
                + "00000000" + "00000000" + "00000000" + "00000000" + "00000000" + "00000004" + "00000000",
                new String(a, 0, Cpio.HEADER_LENGTH, StandardCharsets.US_ASCII));
        assertArrayEquals(sample(), a, "deterministic");
    }

    @Test
    void badNamesAndUseAfterFinishAreRejected() throws IOException {
        Cpio c = new Cpio(new ByteArrayOutputStream());
        assertThrows(IllegalArgumentException.class, () -> c.file("/abs", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> c.file(Cpio.TRAILER, 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> c.file("x", 0100644, new byte[0]));
        c.file("x", 0644, new byte[0]);
        assertThrows(IllegalArgumentException.class, () -> c.file("x", 0644, new byte[0]));
        c.finish();
        assertThrows(IllegalStateException.class, () -> c.directory("y", 0755));
    }

    /**
     * The system cpio lists the archive. Skipped where cpio is not installed (it is not on this machine
     * kind); {@code -Dcpio=/path/to/cpio} points at one (e.g. from {@code apt-get download cpio; dpkg -x}).
     */
    @Test
    void systemCpioListsTheArchive() throws Exception {
        Optional<Path> cpio = Optional.ofNullable(System.getProperty("cpio")).map(Path::of)
                .or(() -> LinuxImage.onPath("cpio"));
        assumeTrue(cpio.isPresent() && Files.isExecutable(cpio.get()),
                "no cpio on PATH (package cpio not installed; -Dcpio=<path> names one): system check skipped,"
                        + " the archive is checked by parsing its headers back");
        Path archive = dir.resolve("a.cpio");
        Files.write(archive, sample());
        Process p = new ProcessBuilder(cpio.get().toString(), "-itv", "-F", archive.toString())
                .redirectError(dir.resolve("err.txt").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String err = Files.readString(dir.resolve("err.txt"));
        assertEquals(0, p.exitValue(), err);
        List<String> lines = out.lines().toList();
        assertEquals(8, lines.size(), out);
        List<String> names = lines.stream().map(l -> l.substring(l.lastIndexOf(' ') + 1)).toList();
        assertEquals(List.of("bin", "dev", "bin/busybox", "busybox", "dev/console", "init", "empty", "abc"), names,
                out);
        assertTrue(lines.get(0).startsWith("drwxr-xr-x"), out);
        assertTrue(lines.get(2).startsWith("-rwxr-xr-x") && lines.get(2).contains(" 18 "), out);
        assertTrue(lines.get(3).startsWith("lrwxrwxrwx") && lines.get(3).endsWith("bin/sh -> busybox"), out);
        assertTrue(lines.get(4).startsWith("crw-------") && lines.get(4).matches(".* 5, +1 .*"), out);
        assertTrue(err.isBlank() || err.strip().matches("\\d+ blocks?"), err);
    }
}
