package org.virtio.kvm.boot;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.virtio.core.memory.GuestAddress;
import org.virtio.core.memory.GuestRam;

/**
 * Randomly corrupted kernel images: the loaders either load them or refuse them with a
 * {@link BootException}; no other exception escapes (images are untrusted input). Seeded, so a failure
 * names a reproducible seed.
 */
class BootImageFuzzTest {
    private static final int ROUNDS = 3000;

    private static byte[] mutate(byte[] good, Random random) {
        byte[] image = good.clone();
        int changes = 1 + random.nextInt(8);
        for (int i = 0; i < changes; i++) {
            int at = random.nextInt(Math.min(image.length, random.nextBoolean() ? 0x300 : image.length));
            image[at] = (byte) (random.nextBoolean() ? random.nextInt(256) : (random.nextBoolean() ? 0xff : 0));
        }
        if (random.nextInt(10) == 0) {
            image = java.util.Arrays.copyOf(image, random.nextInt(image.length + 1));
        }
        return image;
    }

    private interface Loader {
        void load(GuestRam ram, byte[] image) throws BootException;
    }

    private static void fuzz(byte[] good, long seed, Loader loader) {
        Random random = new Random(seed);
        try (GuestRam ram = GuestRam.builder().anonymous(GuestAddress.of(0), 32L << 20).build()) {
            for (int round = 0; round < ROUNDS; round++) {
                byte[] image = mutate(good, random);
                try {
                    loader.load(ram, image);
                } catch (BootException expected) {
                    // refused with a reason
                } catch (RuntimeException e) {
                    throw new AssertionError("seed " + seed + " round " + round + ": " + e, e);
                }
            }
        }
    }

    @Test
    void corruptedElfImagesLoadOrAreRefused() {
        byte[] good = new ElfBuilder().note("Linux", 1, new byte[5]).pvhEntry(0x100000)
                .load(0x100000, new byte[64], 0x2000).load(0x200000, new byte[32], 32).build();
        fuzz(good, 0x5eed_e1fL, (ram, image) -> PvhLoader.load(ram, image,
                new PvhLoader.Config("console=ttyS0", new byte[100], 0, E820Map.standard(ram))));
    }

    @Test
    void corruptedBzImagesLoadOrAreRefused() {
        fuzz(BzImageLoaderTest.bzImage(), 0xb2_1a9eL, (ram, image) -> BzImageLoader.load(ram, image,
                new BzImageLoader.Config("console=ttyS0", new byte[100], 0, E820Map.standard(ram))));
    }

    @Test
    void theFuzzerReallyProducesLoadableAndRefusedImages() {
        int[] outcomes = new int[2];
        byte[] good = new ElfBuilder().pvhEntry(0x100000).load(0x100000, new byte[64], 0x2000).build();
        fuzz(good, 7, (ram, image) -> {
            try {
                PvhLoader.load(ram, image, new PvhLoader.Config("", new byte[0], 0, E820Map.standard(ram)));
                outcomes[0]++;
            } catch (BootException e) {
                outcomes[1]++;
                throw e;
            }
        });
        if (outcomes[0] == 0 || outcomes[1] == 0) {
            fail("loaded " + outcomes[0] + ", refused " + outcomes[1] + ": the mutations are too weak or too strong");
        }
    }
}
