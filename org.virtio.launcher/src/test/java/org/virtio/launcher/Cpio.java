package org.virtio.launcher;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * Test support: a writer for the SVR4 "newc" cpio format (magic {@code 070701}), the format the Linux kernel
 * unpacks as an initramfs ({@code Documentation/driver-api/early-userspace/buffer-format.rst}).
 *
 * <p>Each entry is a 110-byte ASCII header (the magic and 13 fields of 8 hexadecimal digits: ino, mode,
 * uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize including the NUL,
 * check = 0), the name and its NUL padded to a multiple of 4 bytes, then the data padded to a multiple of
 * 4 bytes. A symlink's data is its target. The archive ends with the entry {@code TRAILER!!!}. Names are
 * written as given, without a leading slash (as {@code find . | cpio -o -H newc} writes them, minus the
 * {@code ./}). Every entry gets a distinct inode number, so no two are taken as hard links; uid and gid
 * are 0 and mtime is fixed, so the same input gives the same bytes.
 *
 * <p>Test support rather than launcher code: the launcher takes an initrd as a file
 * ({@code boot-source.initrd_path}) and never builds one.
 */
final class Cpio implements AutoCloseable {
    /** The newc magic. */
    static final String MAGIC = "070701";
    /** The name of the last entry. */
    static final String TRAILER = "TRAILER!!!";
    /** Header length: magic + 13 × 8 hex digits. */
    static final int HEADER_LENGTH = 110;

    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;

    private final OutputStream out;
    private final Set<String> names = new HashSet<>();
    private final long mtime;
    private long offset;
    private int nextInode = 1;
    private boolean finished;

    /** @param out the archive goes here; not closed by {@link #close()} (wrap it yourself) */
    Cpio(OutputStream out) {
        this(out, 0);
    }

    /**
     * @param out   the archive goes here
     * @param mtime the modification time (seconds since the epoch) written for every entry
     */
    Cpio(OutputStream out, long mtime) {
        this.out = out;
        this.mtime = mtime;
    }

    /** A directory, e.g. {@code directory("bin", 0755)}. */
    Cpio directory(String name, int permissions) throws IOException {
        return entry(name, S_IFDIR | perm(permissions), 2, 0, 0, new byte[0]);
    }

    /** A regular file with its contents, e.g. {@code file("init", 0755, script)}. */
    Cpio file(String name, int permissions, byte[] data) throws IOException {
        return entry(name, S_IFREG | perm(permissions), 1, 0, 0, data);
    }

    /** A symbolic link {@code name -> target}. */
    Cpio symlink(String name, String target) throws IOException {
        if (target.isEmpty()) {
            throw new IllegalArgumentException("empty symlink target for " + name);
        }
        return entry(name, S_IFLNK | 0777, 1, 0, 0, target.getBytes(StandardCharsets.UTF_8));
    }

    /** A character device node, e.g. {@code charDevice("dev/console", 0600, 5, 1)}. */
    Cpio charDevice(String name, int permissions, int major, int minor) throws IOException {
        return entry(name, S_IFCHR | perm(permissions), 1, major, minor, new byte[0]);
    }

    /** A block device node. */
    Cpio blockDevice(String name, int permissions, int major, int minor) throws IOException {
        return entry(name, S_IFBLK | perm(permissions), 1, major, minor, new byte[0]);
    }

    /** Writes the {@code TRAILER!!!} entry; nothing may follow. Idempotent. */
    void finish() throws IOException {
        if (!finished) {
            header(TRAILER, 0, 1, 0, 0, 0, 0);
            finished = true;
            out.flush();
        }
    }

    /** Finishes the archive (writes the trailer) and flushes; does not close the underlying stream. */
    @Override
    public void close() throws IOException {
        finish();
    }

    /** @return bytes written so far */
    long size() {
        return offset;
    }

    private static int perm(int permissions) {
        if ((permissions & ~07777) != 0) {
            throw new IllegalArgumentException("permissions must be within 07777, got 0" + Integer.toOctalString(permissions));
        }
        return permissions;
    }

    private Cpio entry(String name, int mode, int nlink, int rdevMajor, int rdevMinor, byte[] data) throws IOException {
        if (finished) {
            throw new IllegalStateException("archive already finished");
        }
        if (name.isEmpty() || name.startsWith("/") || name.equals(TRAILER) || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("bad entry name: \"" + name + "\"");
        }
        if (!names.add(name)) {
            throw new IllegalArgumentException("duplicate entry: " + name);
        }
        header(name, nextInode++, nlink, mode, data.length, rdevMajor, rdevMinor);
        write(data);
        pad();
        return this;
    }

    private void header(String name, int ino, int nlink, int mode, int fileSize, int rdevMajor, int rdevMinor)
            throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(HEADER_LENGTH).append(MAGIC);
        for (long field : new long[] {ino, mode, 0, 0, nlink, mtime, fileSize, 0, 0, rdevMajor, rdevMinor,
                nameBytes.length + 1, 0}) {
            h.append(String.format("%08X", field));
        }
        write(h.toString().getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        write(new byte[] {0});
        pad();
    }

    private void write(byte[] b) throws IOException {
        out.write(b);
        offset += b.length;
    }

    private void pad() throws IOException {
        int n = (int) ((4 - (offset & 3)) & 3);
        write(new byte[n]);
    }
}
