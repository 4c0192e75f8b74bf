package org.virtio.device.net;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import org.virtio.core.device.DeviceContext;
import org.virtio.core.device.DeviceType;
import org.virtio.core.device.HeldChains;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.core.queue.DescriptorChain;
import org.virtio.core.queue.VirtQueue;
import org.virtio.device.net.backend.NetBackend;

/**
 * The virtio network device (VirtIO 1.3 §5.1): device id 1, one receive/transmit queue pair (receiveq1 = 0,
 * transmitq1 = 1, no control queue, no multiqueue), features VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS (link
 * always up), VIRTIO_NET_F_MTU when an MTU is configured and VIRTIO_NET_F_MRG_RXBUF unless disabled; no
 * checksum or segmentation offloads. Every buffer starts with the 12-byte {@code virtio_net_hdr}
 * (VERSION_1 layout).
 *
 * <p><b>Transmit</b> (§5.1.6.2), on the queue thread: each chain is {@linkplain NetRequest#parseTx parsed}
 * (readable only, header present, frame 14–65535 bytes, no offload flags), its frame copied into one native
 * scratch buffer and sent to the backend without blocking; the chain is returned with used length 0. A
 * malformed chain is returned unsent and counted; a frame the backend cannot take is counted as dropped.
 *
 * <p><b>Receive</b> (§5.1.6.3): a reader thread (started at the first DRIVER_OK, ended by {@link #close})
 * receives frames from the backend. The device pops receive chains when notified and holds them; a frame is
 * written when buffers can hold it, from whichever thread brought the missing half: header (all zero but
 * {@code num_buffers}) then frame, in one chain, or across as many chains as needed with MRG_RXBUF (the
 * header, in the first, counts them). Frames without buffers wait in a bounded {@link RxFrames} queue; when
 * it is full, or the driver is not running, or a frame exceeds 65535 bytes (or the negotiated MTU plus
 * Ethernet and VLAN headers) or the driver's buffers, the frame is dropped and counted.
 *
 * <p><b>Threads</b>: the receive queue, held chains and pending frames are touched only under
 * {@link #rxLock}; the device host's lock is always taken before it, never after, and the reader thread
 * never calls back into the host (popping happens only on the queue thread).
 */
public final class NetDevice implements VirtioDevice, AutoCloseable {
    /** Index of {@code receiveq1} (§5.1.2). */
    public static final int RECEIVE_QUEUE = 0;
    /** Index of {@code transmitq1} (§5.1.2). */
    public static final int TRANSMIT_QUEUE = 1;
    /** Largest queue size the device accepts: QEMU's virtio-net frontend asks vhost-user backends for 1024. */
    public static final int MAX_QUEUE_SIZE = 1024;

    private static final Logger LOG = System.getLogger(NetDevice.class.getName());

    private final NetBackend backend;
    private final byte[] mac;
    private final int mtu;
    private final boolean offerMergeable;
    private final byte[] config = new byte[NetSpec.CONFIG_SIZE];
    private final NetMetrics metrics = new NetMetrics();
    private final NetRequest request = new NetRequest();
    private final Arena arena = Arena.ofShared();
    /** Transmit frames are copied here, then sent: the backend needs native memory. Queue thread only. */
    private final MemorySegment txFrame = arena.allocate(NetSpec.MAX_FRAME, 64);
    /** The reader thread's frame buffer; one byte more than the largest frame so oversize frames show. */
    private final MemorySegment rxFrame = arena.allocate(NetSpec.MAX_FRAME + 1L, 64);

    /** Guards everything below up to {@link #context}. */
    private final ReentrantLock rxLock = new ReentrantLock();
    private final RxFrames pending;
    /** Receive chains popped and not yet used, the receive ring, and whether frames may be placed. */
    private final HeldChains posted = new HeldChains(RECEIVE_QUEUE, MAX_QUEUE_SIZE);
    private final MemorySegment header = MemorySegment.ofArray(new byte[NetSpec.HDR_SIZE]);
    private volatile boolean active;
    private boolean mergeable;
    private int maxRxFrame = NetSpec.MAX_FRAME;

    /** Queue thread only. */
    private DeviceContext context;
    private volatile String name = "net";
    private Thread reader;
    private volatile boolean closed;

    /**
     * @param backend        where frames go; the device closes it in {@link #close}
     * @param mac            the MAC address, 6 bytes
     * @param mtu            the MTU to offer with VIRTIO_NET_F_MTU, or 0 to not offer it
     * @param offerMergeable whether to offer VIRTIO_NET_F_MRG_RXBUF
     * @param rxQueueFrames  received frames kept while the driver has no receive buffer, at least 1
     */
    public NetDevice(NetBackend backend, byte[] mac, int mtu, boolean offerMergeable, int rxQueueFrames) {
        this.backend = Objects.requireNonNull(backend, "backend");
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + mac.length);
        }
        if (mtu != 0 && (mtu < NetSpec.MIN_MTU || mtu > NetSpec.MAX_FRAME - NetSpec.MTU_OVERHEAD)) {
            throw new IllegalArgumentException("mtu outside [" + NetSpec.MIN_MTU + ", "
                    + (NetSpec.MAX_FRAME - NetSpec.MTU_OVERHEAD) + "]: " + mtu);
        }
        this.mac = mac.clone();
        this.mtu = mtu;
        this.offerMergeable = offerMergeable;
        this.pending = new RxFrames(rxQueueFrames);
        MemorySegment c = MemorySegment.ofArray(config);
        MemorySegment.copy(this.mac, 0, c, ValueLayout.JAVA_BYTE, NetSpec.CFG_MAC, 6);
        ValueLayout.OfShort le16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        c.set(le16, NetSpec.CFG_STATUS, (short) NetSpec.S_LINK_UP);
        c.set(le16, NetSpec.CFG_MAX_VIRTQUEUE_PAIRS, (short) 1);
        c.set(le16, NetSpec.CFG_MTU, (short) mtu);
    }

    @Override
    public int deviceType() {
        return DeviceType.NET;
    }

    @Override
    public long deviceFeatures() {
        long f = VirtioFeatures.bit(NetSpec.F_MAC) | VirtioFeatures.bit(NetSpec.F_STATUS);
        if (mtu != 0) {
            f |= VirtioFeatures.bit(NetSpec.F_MTU);
        }
        return offerMergeable ? f | VirtioFeatures.bit(NetSpec.F_MRG_RXBUF) : f;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int maxQueueSize(int queue) {
        if (queue != RECEIVE_QUEUE && queue != TRANSMIT_QUEUE) {
            throw new IndexOutOfBoundsException("virtio-net without MQ or CTRL_VQ has two queues, not " + queue);
        }
        return MAX_QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return NetSpec.CONFIG_SIZE;
    }

    @Override
    public void readConfig(int offset, byte[] dst) {
        System.arraycopy(config, offset, dst, 0, dst.length);
    }

    /** Without VIRTIO_NET_F_CTRL_MAC_ADDR every field is read-only (§5.1.4): writes are ignored. */
    @Override
    public void writeConfig(int offset, byte[] src) {
    }

    @Override
    public void activate(DeviceContext ctx) {
        context = ctx;
        name = ctx.name();
        long features = ctx.negotiatedFeatures();
        rxLock.lock();
        try {
            posted.activate(ctx);
            pending.clear();
            mergeable = VirtioFeatures.has(features, NetSpec.F_MRG_RXBUF);
            maxRxFrame = VirtioFeatures.has(features, NetSpec.F_MTU) ? mtu + NetSpec.MTU_OVERHEAD : NetSpec.MAX_FRAME;
            active = true;
        } finally {
            rxLock.unlock();
        }
        startReader();
    }

    private void startReader() {
        if (reader != null || closed) {
            return;
        }
        reader = Thread.ofPlatform().daemon().name("virtio-net-rx " + name).start(this::readLoop);
    }

    /** The reader thread: frames from the backend until it is closed or fails. */
    private void readLoop() {
        try {
            int n;
            while ((n = backend.receive(rxFrame)) >= 0) {
                frameReceived(rxFrame, n);
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.log(Level.WARNING, "{0}: receiving from {1} stopped: {2}", name, backend.description(), e.toString());
            }
        }
    }

    @Override
    public void queueNotified(int queue) {
        DeviceContext ctx = context;
        if (ctx == null) {
            return;
        }
        if (queue == RECEIVE_QUEUE) {
            receiveNotified(ctx);
        } else if (queue == TRANSMIT_QUEUE) {
            VirtQueue q = ctx.queue(TRANSMIT_QUEUE);
            if (q != null) {
                transmit(q);
            }
        }
    }

    // ---- transmit ----

    private void transmit(VirtQueue q) {
        do {
            q.disableNotifications();
            DescriptorChain chain;
            while ((chain = q.pop()) != null) {
                NetError error = request.parseTx(chain);
                if (error != null) {
                    fail(error);
                } else {
                    send(chain, request.frameLength());
                }
                q.add(chain, 0);
            }
            q.flush();
        } while (q.enableNotifications());
    }

    private void send(DescriptorChain chain, int length) {
        chain.read(NetSpec.HDR_SIZE, txFrame, 0, length);
        try {
            if (backend.send(txFrame, length)) {
                metrics.transmitted(length);
                return;
            }
            fail(NetError.TX_BACKEND);
        } catch (IOException e) {
            metrics.dropped(NetError.TX_BACKEND);
            LOG.log(Level.DEBUG, "{0}: {1}: {2}", name, NetError.TX_BACKEND.message(), e.getMessage());
        }
    }

    // ---- receive ----

    /** The driver posted receive buffers: take them all, then place what pending frames they can hold. */
    private void receiveNotified(DeviceContext ctx) {
        rxLock.lock();
        try {
            // After a queue reset (VIRTIO_F_RING_RESET) this is the re-enabled receiveq's new ring.
            VirtQueue q = posted.resume(ctx);
            if (q == null) {
                return;
            }
            do {
                q.disableNotifications();
                DescriptorChain chain;
                while ((chain = q.pop()) != null) {
                    NetError error = NetRequest.checkRx(chain);
                    if (error != null) {
                        fail(error);
                        q.add(chain, 0);
                    } else {
                        posted.hold(chain);
                    }
                }
                deliverPendingLocked(q);
                q.flush();
            } while (q.enableNotifications());
        } finally {
            rxLock.unlock();
        }
    }

    /** A frame from the reader thread. */
    private void frameReceived(MemorySegment frame, int length) {
        rxLock.lock();
        try {
            if (!active) {
                fail(NetError.RX_NOT_READY);
                return;
            }
            if (length > maxRxFrame) {
                fail(NetError.RX_FRAME_TOO_LARGE);
                return;
            }
            VirtQueue q = posted.queue();
            if (pending.isEmpty() && posted.delivering()) {
                Placement p = placeLocked(q, frame, length);
                if (p == Placement.DONE) {
                    q.flush();
                    return;
                }
                if (p == Placement.NEVER_FITS) {
                    fail(NetError.RX_FRAME_TOO_BIG_FOR_BUFFERS);
                    return;
                }
            }
            if (!pending.offer(frame, length)) {
                fail(NetError.RX_QUEUE_FULL);
            }
        } finally {
            rxLock.unlock();
        }
    }

    /** Places pending frames, oldest first, while buffers hold them. Caller holds {@link #rxLock}. */
    private void deliverPendingLocked(VirtQueue q) {
        while (!pending.isEmpty()) {
            Placement p = placeLocked(q, pending.first(), pending.firstLength());
            if (p == Placement.WAIT) {
                return;
            }
            if (p == Placement.NEVER_FITS) {
                fail(NetError.RX_FRAME_TOO_BIG_FOR_BUFFERS);
            }
            pending.remove();
        }
    }

    private enum Placement { DONE, WAIT, NEVER_FITS }

    /**
     * Writes one frame into held receive chains (not flushed). Caller holds {@link #rxLock}.
     *
     * @return DONE, WAIT (more buffers may come) or NEVER_FITS (the driver's buffers cannot hold it)
     */
    private Placement placeLocked(VirtQueue q, MemorySegment frame, int length) {
        long needed = (long) NetSpec.HDR_SIZE + length;
        if (posted.isEmpty()) {
            return Placement.WAIT;
        }
        if (!mergeable) {
            DescriptorChain chain = posted.peek();
            if (chain.writableBytes() < needed) {
                return Placement.NEVER_FITS; // without MRG_RXBUF a frame must fit one chain (§5.1.6.3.1)
            }
            posted.next();
            writeHeader(chain, 1);
            chain.write(NetSpec.HDR_SIZE, frame, 0, length);
            q.add(chain, (int) needed);
            metrics.received(length, 1);
            return Placement.DONE;
        }
        int chains = posted.chainsHolding(needed);
        if (chains == 0) {
            // Every buffer of the ring held and still too small: waiting would never end.
            return posted.size() >= q.size() ? Placement.NEVER_FITS : Placement.WAIT;
        }
        long done = 0;
        for (int i = 0; i < chains; i++) {
            DescriptorChain chain = posted.next();
            long at = 0;
            if (i == 0) {
                writeHeader(chain, chains);
                at = NetSpec.HDR_SIZE;
            }
            long n = Math.min(chain.writableBytes() - at, length - done);
            chain.write(at, frame, done, n);
            done += n;
            q.add(chain, (int) (at + n));
        }
        metrics.received(length, chains);
        return Placement.DONE;
    }

    /** The receive header: no flags, GSO_NONE, num_buffers as given (1 without MRG_RXBUF, §5.1.6.4). */
    private void writeHeader(DescriptorChain chain, int numBuffers) {
        header.fill((byte) 0);
        header.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), NetSpec.HDR_NUM_BUFFERS, (short) numBuffers);
        chain.write(0, header, 0, NetSpec.HDR_SIZE);
    }

    /** The one place a {@link NetError} is counted and logged; the callers return chains with used length 0. */
    private void fail(NetError error) {
        metrics.dropped(error);
        LOG.log(Level.DEBUG, "{0}: {1}", name, error.message());
    }

    // ---- lifecycle ----

    /**
     * Returns the held receive chains with used length 0 (so none is in flight for the snapshot; Linux counts
     * them as length errors and reposts) and holds delivery until the next receiveq notification.
     */
    @Override
    public void quiesce() {
        rxLock.lock();
        try {
            posted.quiesce(0);
        } finally {
            rxLock.unlock();
        }
    }

    /** The driver reset receiveq (VIRTIO_F_RING_RESET): its held chains belong to the old ring and are dropped. */
    @Override
    public void queueReset(int queue) {
        if (queue != RECEIVE_QUEUE) {
            return;
        }
        rxLock.lock();
        try {
            posted.queueReset();
        } finally {
            rxLock.unlock();
        }
    }

    @Override
    public void reset() {
        rxLock.lock();
        try {
            active = false;
            posted.reset();
            metrics.rxDroppedNotReady(pending.clear());
        } finally {
            rxLock.unlock();
        }
        context = null;
    }

    /** Closes the backend (ending the reader thread) and frees the frame buffers. Not to be activated again. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        backend.close();
        Thread r = reader;
        if (r != null) {
            try {
                r.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (r.isAlive()) {
                LOG.log(Level.WARNING, "{0}: reader thread did not stop; frame buffers left to the GC", name);
                return;
            }
        }
        arena.close();
    }

    /** @return this device's counters */
    public NetMetrics metrics() {
        return metrics;
    }

    /** @return the MAC address, e.g. {@code 52:54:00:12:34:56} */
    public String mac() {
        return MacAddress.format(mac);
    }

    /** @return the MTU offered, or 0 when VIRTIO_NET_F_MTU is not offered */
    public int mtu() {
        return mtu;
    }

    /** @return the backend */
    public NetBackend backend() {
        return backend;
    }

    /** @return frames waiting for receive buffers */
    public int pendingFrames() {
        rxLock.lock();
        try {
            return pending.size();
        } finally {
            rxLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "virtio-net " + mac() + " (" + backend.description() + (mtu != 0 ? ", mtu " + mtu : "") + ")";
    }
}
