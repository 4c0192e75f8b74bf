package org.virtio.device.blk;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;
import org.virtio.device.blk.backend.RawFileBackend;

/**
 * The virtio block device (VirtIO 1.3 §5.2): device id 2, one request queue, a raw image file behind it.
 * Offers SEG_MAX, BLK_SIZE (512), FLUSH, DISCARD, WRITE_ZEROES, and RO for a read-only drive; no
 * multi-queue yet. Serves IN, OUT, FLUSH (fsync), GET_ID, DISCARD and WRITE_ZEROES synchronously on the
 * thread that delivers the notification.
 *
 * <p>Every chain is {@linkplain BlkRequest#parse parsed} before any I/O; a malformed request gets
 * VIRTIO_BLK_S_IOERR or VIRTIO_BLK_S_UNSUPP in its status byte and the device keeps serving. A chain
 * without a writable byte cannot carry a status: it is returned with used length 0. Nothing here throws
 * on guest input. The used length is the bytes written into the chain: the data for IN (20 for GET_ID)
 * plus the status byte; 1 for every other request and every failed one.
 *
 * <p>When the driver did not negotiate VIRTIO_BLK_F_FLUSH, writes are made durable before they complete
 * (§5.2.6.2: a write is stable at completion if FLUSH was offered but not negotiated).
 *
 * <p>The device opens its image when it is created and holds it until {@link #close}; {@link #reset}
 * leaves it open, so the driver can re-initialise the device.
 */
public final class BlkDevice implements VirtioDevice, AutoCloseable {
    /** Index of the only queue, {@code requestq} (§5.2.2). */
    public static final int REQUEST_QUEUE = 0;
    /** Largest queue size the device accepts. */
    public static final int MAX_QUEUE_SIZE = 256;
    /** seg_max: the queue size less the header and status descriptors. */
    public static final int SEG_MAX = MAX_QUEUE_SIZE - 2;
    /** max_discard_sectors and max_write_zeroes_sectors: 32 MiB per request. */
    public static final int MAX_RANGE_SECTORS = 64 * 1024;
    /** discard_sector_alignment, in 512-byte sectors. */
    public static final int DISCARD_SECTOR_ALIGNMENT = 1;

    private static final Logger LOG = System.getLogger(BlkDevice.class.getName());
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final RawFileBackend backend;
    private final boolean readOnly;
    private final MemorySegment serial;
    private final byte[] config;
    private final BlkRequest request;
    private final MemorySegment status = MemorySegment.ofArray(new byte[1]);
    private final BlkMetrics metrics = new BlkMetrics();

    private DeviceContext context;
    private boolean writeThrough;

    /**
     * @param backend  the open image; the device closes it in {@link #close}
     * @param readOnly whether to offer VIRTIO_BLK_F_RO and refuse writes (must be true for a read-only backend)
     * @param serial   the device ID string, at most 20 ASCII bytes
     */
    public BlkDevice(RawFileBackend backend, boolean readOnly, byte[] serial) {
        this.backend = Objects.requireNonNull(backend);
        if (backend.readOnly() && !readOnly) {
            throw new IllegalArgumentException("a read-only image needs a read-only device");
        }
        if (serial.length > BlkSpec.ID_BYTES) {
            throw new IllegalArgumentException("serial longer than " + BlkSpec.ID_BYTES + " bytes");
        }
        this.readOnly = readOnly;
        byte[] id = new byte[BlkSpec.ID_BYTES]; // NUL-padded (§5.2.6)
        System.arraycopy(serial, 0, id, 0, serial.length);
        this.serial = MemorySegment.ofArray(id);
        this.config = buildConfig(backend.capacity());
        this.request = new BlkRequest(backend.capacity(), readOnly, MAX_RANGE_SECTORS, MAX_RANGE_SECTORS);
    }

    /** struct virtio_blk_config (§5.2.4); fields of features not offered, and padding, stay 0. */
    private static byte[] buildConfig(long capacity) {
        byte[] b = new byte[BlkSpec.CONFIG_SIZE];
        MemorySegment s = MemorySegment.ofArray(b);
        s.set(LONG_LE, BlkSpec.CFG_CAPACITY, capacity);
        s.set(INT_LE, BlkSpec.CFG_SEG_MAX, SEG_MAX);
        s.set(INT_LE, BlkSpec.CFG_BLK_SIZE, BlkSpec.SECTOR_SIZE);
        s.set(SHORT_LE, BlkSpec.CFG_NUM_QUEUES, (short) 1);
        s.set(INT_LE, BlkSpec.CFG_MAX_DISCARD_SECTORS, MAX_RANGE_SECTORS);
        s.set(INT_LE, BlkSpec.CFG_MAX_DISCARD_SEG, 1);
        s.set(INT_LE, BlkSpec.CFG_DISCARD_SECTOR_ALIGNMENT, DISCARD_SECTOR_ALIGNMENT);
        s.set(INT_LE, BlkSpec.CFG_MAX_WRITE_ZEROES_SECTORS, MAX_RANGE_SECTORS);
        s.set(INT_LE, BlkSpec.CFG_MAX_WRITE_ZEROES_SEG, 1);
        // write_zeroes_may_unmap = 0: WRITE_ZEROES always writes zeroes, it never deallocates.
        return b;
    }

    @Override
    public int deviceType() {
        return DeviceType.BLOCK;
    }

    @Override
    public long deviceFeatures() {
        long f = VirtioFeatures.bit(BlkSpec.F_SEG_MAX) | VirtioFeatures.bit(BlkSpec.F_BLK_SIZE)
                | VirtioFeatures.bit(BlkSpec.F_FLUSH) | VirtioFeatures.bit(BlkSpec.F_DISCARD)
                | VirtioFeatures.bit(BlkSpec.F_WRITE_ZEROES);
        return readOnly ? f | VirtioFeatures.bit(BlkSpec.F_RO) : f;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int maxQueueSize(int queue) {
        if (queue != REQUEST_QUEUE) {
            throw new IndexOutOfBoundsException("virtio-blk has one queue, not " + queue);
        }
        return MAX_QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return BlkSpec.CONFIG_SIZE;
    }

    @Override
    public void readConfig(int offset, byte[] dst) {
        System.arraycopy(config, offset, dst, 0, dst.length);
    }

    /** All fields are read-only without VIRTIO_BLK_F_CONFIG_WCE (not offered): writes are ignored. */
    @Override
    public void writeConfig(int offset, byte[] src) {
    }

    @Override
    public void activate(DeviceContext ctx) {
        context = Objects.requireNonNull(ctx);
        writeThrough = !VirtioFeatures.has(ctx.negotiatedFeatures(), BlkSpec.F_FLUSH);
    }

    /**
     * Serves {@code requestq}: the disable / pop / add / flush / enable loop of {@link VirtQueue}, so a
     * burst of requests costs one used-index store and at most one interrupt.
     */
    @Override
    public void queueNotified(int queue) {
        DeviceContext ctx = context;
        if (queue != REQUEST_QUEUE || ctx == null) {
            return;
        }
        VirtQueue q = ctx.queue(REQUEST_QUEUE);
        if (q == null) {
            return;
        }
        do {
            q.disableNotifications();
            DescriptorChain chain;
            while ((chain = q.pop()) != null) {
                q.add(chain, serve(chain));
            }
            q.flush();
        } while (q.enableNotifications());
    }

    /** Parses, then acts. @return the used length */
    private int serve(DescriptorChain chain) {
        BlkError error = request.parse(chain);
        if (error != null) {
            return fail(chain, error, null);
        }
        try {
            switch (request.type()) {
                case BlkSpec.T_IN -> {
                    backend.read(request.sector(), request.dataLength(), chain, 0);
                    metrics.read(request.dataLength());
                    return complete(chain, (int) request.dataLength());
                }
                case BlkSpec.T_OUT -> {
                    backend.write(request.sector(), request.dataLength(), chain, BlkSpec.HEADER_SIZE);
                    if (writeThrough) {
                        backend.flush();
                    }
                    metrics.written(request.dataLength());
                    return complete(chain, 0);
                }
                case BlkSpec.T_FLUSH -> {
                    backend.flush();
                    metrics.flushed();
                    return complete(chain, 0);
                }
                case BlkSpec.T_GET_ID -> {
                    chain.write(0, serial, 0, BlkSpec.ID_BYTES);
                    metrics.gotId();
                    return complete(chain, BlkSpec.ID_BYTES);
                }
                case BlkSpec.T_DISCARD -> {
                    // Discard is advisory (§5.2.6.2: the device MAY deallocate) and Java cannot punch
                    // holes, so the range is only validated; its contents stay as they were.
                    metrics.discarded();
                    return complete(chain, 0);
                }
                case BlkSpec.T_WRITE_ZEROES -> {
                    // Zeroes are written whatever the unmap flag says (write_zeroes_may_unmap is 0).
                    backend.writeZeroes(request.sector(), request.sectorCount());
                    if (writeThrough) {
                        backend.flush();
                    }
                    metrics.zeroed();
                    return complete(chain, 0);
                }
                default -> throw new AssertionError("parse let type " + request.type() + " through");
            }
        } catch (IOException e) {
            return fail(chain, BlkError.BACKEND_IO, e);
        }
    }

    /** Writes VIRTIO_BLK_S_OK. @return the used length: data bytes plus the status byte */
    private int complete(DescriptorChain chain, int dataWritten) {
        writeStatus(chain, BlkSpec.S_OK);
        return dataWritten + 1;
    }

    /**
     * The one place a {@link BlkError} becomes what the driver sees.
     *
     * @return the used length: 1 (the status byte), or 0 when the chain has no status byte
     */
    private int fail(DescriptorChain chain, BlkError error, IOException cause) {
        metrics.error();
        int statusByte = error.statusByte();
        if (cause != null) {
            LOG.log(Level.WARNING, "{0}: {1} ({2}): {3}", context.name(), error.message(), backend, cause.getMessage());
        } else {
            LOG.log(Level.DEBUG, "{0}: {1} (type {2})", context.name(), error.message(), request.type());
        }
        if (statusByte < 0) {
            return 0;
        }
        writeStatus(chain, (byte) statusByte);
        return 1;
    }

    private void writeStatus(DescriptorChain chain, byte value) {
        status.set(ValueLayout.JAVA_BYTE, 0, value);
        chain.write(request.statusOffset(), status, 0, 1);
    }

    @Override
    public void reset() {
        context = null;
    }

    /** Closes the image. The device must not be activated again. */
    @Override
    public void close() throws IOException {
        backend.close();
    }

    /** @return this device's counters */
    public BlkMetrics metrics() {
        return metrics;
    }

    /** @return the capacity in 512-byte sectors */
    public long capacity() {
        return backend.capacity();
    }

    /** @return whether the drive is read-only */
    public boolean readOnly() {
        return readOnly;
    }

    /** @return the device ID string, NUL padding removed */
    public String serial() {
        byte[] id = serial.toArray(ValueLayout.JAVA_BYTE);
        int n = 0;
        while (n < id.length && id[n] != 0) {
            n++;
        }
        return new String(id, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return "virtio-blk (" + backend + ", serial " + serial() + ")";
    }
}
