package org.virtio.device.blk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

/** Test support: image files with deterministic contents, and devices over them. */
final class BlkImages {
    private BlkImages() {
    }

    /** @return a file of the given size filled with a fixed pseudo-random pattern */
    static Path image(Path dir, String name, long size) throws IOException {
        byte[] b = new byte[(int) size];
        new Random(size * 31 + name.hashCode()).nextBytes(b);
        return Files.write(dir.resolve(name), b);
    }

    /** @return a device made by the factory */
    static BlkDevice device(Path image, boolean readOnly, String serial) {
        Map<String, Object> p = new HashMap<>();
        p.put("path", image.toString());
        p.put("readOnly", readOnly);
        if (serial != null) {
            p.put("serial", serial);
        }
        return (BlkDevice) new BlkDeviceFactory().create(p);
    }

    /** @return the SHA-256 of a file, hex */
    static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return n bytes of a pattern derived from seed */
    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
