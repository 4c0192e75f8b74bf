package org.virtio.device.rng.backend;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.ProviderException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Entropy from {@link SecureRandom} (the platform's default DRBG, seeded by the operating system).
 * {@code SecureRandom} fills whole arrays only, so bytes are generated a pool at a time and each byte is
 * served once, then zeroed; nothing is allocated per request.
 */
public final class SecureRandomSource implements EntropySource {
    /** Bytes generated per {@link SecureRandom#nextBytes} call. */
    static final int POOL_SIZE = 4096;

    private final byte[] pool = new byte[POOL_SIZE];
    /** Unserved bytes, at the end of {@link #pool}: {@code pool[POOL_SIZE - available, POOL_SIZE)}. */
    private int available;
    private SecureRandom random;

    /** Creates a closed source: {@link #open} seeds the generator. */
    public SecureRandomSource() {
    }

    @Override
    public void open() {
        random = new SecureRandom();
        available = 0;
    }

    @Override
    public void fill(MemorySegment dst, long offset, int length) throws IOException {
        if (random == null) {
            throw new IOException("SecureRandom source is not open");
        }
        int done = 0;
        while (done < length) {
            if (available == 0) {
                refill();
            }
            int n = Math.min(available, length - done);
            int from = POOL_SIZE - available;
            MemorySegment.copy(pool, from, dst, ValueLayout.JAVA_BYTE, offset + done, n);
            Arrays.fill(pool, from, from + n, (byte) 0);
            available -= n;
            done += n;
        }
    }

    private void refill() throws IOException {
        try {
            random.nextBytes(pool);
        } catch (ProviderException e) {
            throw new IOException("SecureRandom failed: " + e.getMessage(), e);
        }
        available = POOL_SIZE;
    }

    @Override
    public void close() {
        random = null;
        Arrays.fill(pool, (byte) 0);
        available = 0;
    }

    @Override
    public String description() {
        return "securerandom";
    }
}
