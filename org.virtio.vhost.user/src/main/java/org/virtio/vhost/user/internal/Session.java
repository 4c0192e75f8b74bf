package org.virtio.vhost.user.internal;

import java.io.EOFException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.virtio.core.device.DeviceStatus;
import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioFeatures;
import org.virtio.vhost.user.internal.protocol.Message;
import org.virtio.vhost.user.internal.protocol.MessageCodec;
import org.virtio.vhost.user.internal.protocol.ProtocolException;
import org.virtio.vhost.user.internal.protocol.ProtocolFeatures;
import org.virtio.vhost.user.internal.protocol.Request;
import org.virtio.vhost.user.internal.sys.EventFd;
import org.virtio.vhost.user.internal.sys.SysException;
import org.virtio.vhost.user.internal.sys.UnixConnection;

/**
 * One frontend connection: reads vhost-user messages, checks them, and drives a {@link DeviceRunner}.
 * Messages are handled one at a time on the connection's thread. A malformed or unacceptable message
 * ends the session (logged, with a failure reply when the frontend asked for one); the end of a session,
 * for whatever reason, stops the device and releases every mapping and descriptor it holds.
 */
final class Session {
    private static final Logger LOG = System.getLogger(Session.class.getName());

    /** Ring features of the core this backend offers (split rings only: inflight tracking is split-only). */
    static final long RING_FEATURES = VirtioFeatures.bit(VirtioFeatures.VERSION_1)
            | VirtioFeatures.bit(VirtioFeatures.INDIRECT_DESC) | VirtioFeatures.bit(VirtioFeatures.EVENT_IDX);
    private static final long VHOST_BITS = ProtocolFeatures.bit(ProtocolFeatures.F_PROTOCOL_FEATURES)
            | ProtocolFeatures.bit(ProtocolFeatures.F_LOG_ALL);
    private static final int VRING_NOFD = 0x100;
    private static final int MAX_CONFIG = 256;
    /** VIRTQUEUE_MAX_SIZE of QEMU and libvhost-user. */
    static final int FRONTEND_MAX_RING = 1024;

    private final String name;
    private final MessageCodec codec;
    private final VirtioDevice device;
    private final Vring[] rings;
    private final DeviceRunner runner;
    private final long offeredFeatures;
    private final long offeredProtocol;
    private long protocolFeatures;
    private boolean protocolFeaturesAcked;
    private int status;

    /**
     * @param name       for log lines and thread names
     * @param connection the frontend's socket
     * @param device     the device to serve (this session's own instance)
     */
    Session(String name, UnixConnection connection, VirtioDevice device) {
        this.name = name;
        this.codec = new MessageCodec(connection);
        this.device = device;
        this.rings = new Vring[device.queueCount()];
        for (int i = 0; i < rings.length; i++) {
            rings[i] = new Vring(i);
        }
        this.runner = new DeviceRunner(device, name, rings);
        this.offeredFeatures = device.deviceFeatures() | RING_FEATURES | VHOST_BITS;
        // CONFIG only for a device that has a configuration space (QEMU warns about it otherwise).
        this.offeredProtocol = device.configSize() > 0 ? ProtocolFeatures.OFFERED
                : ProtocolFeatures.OFFERED & ~ProtocolFeatures.bit(ProtocolFeatures.CONFIG);
    }

    /** Serves messages until the frontend disconnects or misbehaves; then releases everything. */
    void run() {
        try {
            while (true) {
                Message m = codec.read();
                if (m == null) {
                    LOG.log(Level.INFO, "{0}: frontend disconnected", name);
                    return;
                }
                LOG.log(Level.TRACE, "{0}: {1}", name, m);
                try {
                    handle(m);
                } catch (ProtocolException e) {
                    if (m.needReply() && has(ProtocolFeatures.REPLY_ACK) && m.request() != null) {
                        try {
                            codec.replyU64(m.request(), 1);
                        } catch (SysException ignored) {
                            // the connection is dropped anyway
                        }
                    }
                    throw e;
                } finally {
                    m.closeUntakenFds();
                }
            }
        } catch (ProtocolException e) {
            LOG.log(Level.WARNING, "{0}: dropping the connection: {1}", name, e.getMessage());
        } catch (EOFException e) {
            LOG.log(Level.WARNING, "{0}: frontend disconnected mid-message: {1}", name, e.getMessage());
        } catch (SysException e) {
            LOG.log(Level.WARNING, "{0}: connection failed: {1}", name, e.getMessage());
        } finally {
            close();
        }
    }

    private boolean has(int protocolFeature) {
        return (protocolFeatures & ProtocolFeatures.bit(protocolFeature)) != 0;
    }

    private void handle(Message m) throws ProtocolException, SysException {
        Request r = m.request();
        if (r == null) {
            throw new ProtocolException("unknown request code " + (m.code() & 0xffffffffL));
        }
        boolean replied = switch (r) {
            case GET_FEATURES -> reply(r, offeredFeatures);
            case SET_FEATURES -> setFeatures(m);
            case SET_OWNER -> false;
            case RESET_OWNER, RESET_DEVICE -> resetDevice();
            case GET_PROTOCOL_FEATURES -> reply(r, offeredProtocol);
            case SET_PROTOCOL_FEATURES -> setProtocolFeatures(m);
            case GET_QUEUE_NUM -> reply(r, rings.length);
            case SET_MEM_TABLE -> setMemTable(m);
            case SET_LOG_BASE -> setLogBase(m);
            case SET_LOG_FD -> closeFd(m);
            case SET_VRING_NUM -> setVringNum(m);
            case SET_VRING_ADDR -> setVringAddr(m);
            case SET_VRING_BASE -> setVringBase(m);
            case GET_VRING_BASE -> getVringBase(m);
            case SET_VRING_KICK -> setVringKick(m);
            case SET_VRING_CALL -> setVringFd(m, false);
            case SET_VRING_ERR -> setVringFd(m, true);
            case SET_VRING_ENABLE -> setVringEnable(m);
            case GET_CONFIG -> getConfig(m);
            case SET_CONFIG -> setConfig(m);
            case GET_INFLIGHT_FD -> getInflightFd(m);
            case SET_INFLIGHT_FD -> setInflightFd(m);
            case SET_STATUS -> setStatus(m);
            case GET_STATUS -> reply(r, status);
            default -> throw new ProtocolException(r + " is not supported (its protocol feature is not offered)");
        };
        if (!replied && m.needReply() && has(ProtocolFeatures.REPLY_ACK)) {
            codec.replyU64(r, 0);
        }
    }

    private boolean reply(Request r, long value) throws SysException {
        codec.replyU64(r, value);
        return true;
    }

    private boolean setFeatures(Message m) throws ProtocolException {
        long f = m.u64(0);
        if ((f & ~offeredFeatures) != 0) {
            throw new ProtocolException("SET_FEATURES: 0x" + Long.toHexString(f) + " acks features not offered (0x"
                    + Long.toHexString(f & ~offeredFeatures) + ")");
        }
        if (VirtioFeatures.has(f, ProtocolFeatures.F_LOG_ALL)) {
            LOG.log(Level.WARNING, "{0}: VHOST_F_LOG_ALL acked: dirty page logging is not implemented, a live "
                    + "migration of this guest would lose writes made by this backend", name);
        }
        protocolFeaturesAcked = VirtioFeatures.has(f, ProtocolFeatures.F_PROTOCOL_FEATURES);
        runner.setFeatures(f & ~VHOST_BITS);
        return false;
    }

    private boolean setProtocolFeatures(Message m) throws ProtocolException {
        long f = m.u64(0);
        if ((f & ~offeredProtocol) != 0) {
            throw new ProtocolException("SET_PROTOCOL_FEATURES: 0x" + Long.toHexString(f) + " acks features not offered");
        }
        protocolFeatures = f;
        return false;
    }

    private boolean resetDevice() {
        closeWatchers();
        runner.stop();
        for (Vring r : rings) {
            r.clear();
        }
        status = 0;
        return false;
    }

    private boolean setMemTable(Message m) throws ProtocolException {
        MemoryTable table = MemoryTable.fromMessage(m);
        MemoryTable old = runner.setMemory(table);
        if (old != null) {
            old.close();
        }
        LOG.log(Level.DEBUG, "{0}: {1}", name, table);
        return false;
    }

    /** Accepted so QEMU can start (it needs LOG_ALL or LOG_SHMFD offered); the log itself is not kept. */
    private boolean setLogBase(Message m) throws ProtocolException, SysException {
        m.requireSize(16);
        if (m.fdCount() > 0) {
            org.virtio.vhost.user.internal.sys.Fds.close(m.takeFd(0));
        }
        LOG.log(Level.WARNING, "{0}: SET_LOG_BASE: dirty page logging is not implemented", name);
        if (has(ProtocolFeatures.LOG_SHMFD)) {
            return reply(Request.SET_LOG_BASE, 0);
        }
        return false;
    }

    private boolean closeFd(Message m) throws ProtocolException {
        if (m.fdCount() > 0) {
            org.virtio.vhost.user.internal.sys.Fds.close(m.takeFd(0));
        }
        return false;
    }

    private Vring ring(Message m, long index) throws ProtocolException {
        if (index < 0 || index >= rings.length) {
            throw new ProtocolException(m.name() + ": ring index " + index + ", the device has " + rings.length);
        }
        return rings[(int) index];
    }

    private boolean setVringNum(Message m) throws ProtocolException {
        Vring r = ring(m, m.u32(0));
        long num = m.u32(4);
        int max = maxRingSize(device, r.index);
        if (num == 0 || num > 32768 || Long.bitCount(num) != 1 || num > max) {
            throw new ProtocolException("SET_VRING_NUM: ring " + r.index + " size " + num
                    + " is not a power of 2 up to the device maximum " + max);
        }
        r.num = (int) num;
        return false;
    }

    /**
     * The largest ring accepted: the device's maximum, but at least {@value #FRONTEND_MAX_RING}. A vhost-user
     * frontend sizes rings without asking the backend (QEMU's virtio-mmio offers the guest 1024 whatever the
     * device's queue-size), so refusing would make the device unusable.
     */
    static int maxRingSize(VirtioDevice device, int ring) {
        return Math.max(device.maxQueueSize(ring), FRONTEND_MAX_RING);
    }

    private boolean setVringAddr(Message m) throws ProtocolException {
        Vring r = ring(m, m.u32(0));
        long desc = m.u64(8);
        long used = m.u64(16);
        long avail = m.u64(24);
        MemoryTable table = runner.memoryTable();
        if (table == null) {
            throw new ProtocolException("SET_VRING_ADDR: ring " + r.index + " before SET_MEM_TABLE");
        }
        table.toGuest(desc, "SET_VRING_ADDR: ring " + r.index + " descriptor table");
        table.toGuest(avail, "SET_VRING_ADDR: ring " + r.index + " available ring");
        table.toGuest(used, "SET_VRING_ADDR: ring " + r.index + " used ring");
        r.descUva = desc;
        r.availUva = avail;
        r.usedUva = used;
        r.addressSet = true;
        return false;
    }

    private boolean setVringBase(Message m) throws ProtocolException {
        Vring r = ring(m, m.u32(0));
        long base = m.u32(4);
        if (base > 0xffff) {
            throw new ProtocolException("SET_VRING_BASE: ring " + r.index + " base " + base + " is above 65535");
        }
        r.base = (int) base;
        return false;
    }

    private boolean getVringBase(Message m) throws ProtocolException, SysException {
        Vring r = ring(m, m.u32(0));
        KickWatcher w = r.detachWatcher();
        if (w != null) {
            w.close();
        }
        int base = runner.stopRing(r.index, v -> v.started = false);
        r.closeKick();
        byte[] b = new byte[8];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(r.index).putInt(base);
        codec.reply(Request.GET_VRING_BASE, b);
        return true;
    }

    /** Checks a SET_VRING_KICK/CALL/ERR payload. @return the descriptor, or -1 for NOFD */
    private int vringFd(Message m, Vring r) throws ProtocolException {
        long v = m.u64(0);
        if ((v & ~0x1ffL) != 0) {
            throw new ProtocolException(m.name() + ": unknown bits in 0x" + Long.toHexString(v));
        }
        if ((v & VRING_NOFD) != 0) {
            return -1;
        }
        return m.takeFd(0);
    }

    private boolean setVringKick(Message m) throws ProtocolException, SysException {
        Vring r = ring(m, m.u64(0) & 0xff);
        int fd = vringFd(m, r);
        KickWatcher w = r.detachWatcher();
        if (w != null) {
            w.close();
        }
        r.closeKick();
        if (fd >= 0) {
            r.kick = new EventFd(fd);
            r.watcher = new KickWatcher(name + "-kick-" + r.index, r.index, r.kick, runner::kicked);
        } else {
            LOG.log(Level.WARNING, "{0}: ring {1} has no kick eventfd (NOFD): polling is not implemented, the ring "
                    + "is served only when the device is notified otherwise", name, r.index);
        }
        r.started = true;
        if (!protocolFeaturesAcked) {
            r.enabled = true;
        }
        runner.ringReady(r.index);
        return false;
    }

    private boolean setVringFd(Message m, boolean err) throws ProtocolException {
        Vring r = ring(m, m.u64(0) & 0xff);
        int fd = vringFd(m, r);
        EventFd e = fd >= 0 ? new EventFd(fd) : null;
        if (err) {
            r.setErr(e);
        } else {
            r.setCall(e);
        }
        return false;
    }

    private boolean setVringEnable(Message m) throws ProtocolException {
        Vring r = ring(m, m.u32(0));
        long enable = m.u32(4);
        if (enable > 1) {
            throw new ProtocolException("SET_VRING_ENABLE: ring " + r.index + " value " + enable + ", expected 0 or 1");
        }
        if (enable == 1) {
            r.enabled = true;
            runner.ringReady(r.index);
        } else if (r.enabled) {
            runner.stopRing(r.index, v -> v.enabled = false);
        }
        return false;
    }

    private boolean getConfig(Message m) throws ProtocolException, SysException {
        int offset = (int) Math.min(m.u32(0), Integer.MAX_VALUE);
        int size = checkConfig(m);
        byte[] data = new byte[size];
        int have = Math.max(0, Math.min(size, device.configSize() - offset));
        if (have > 0) {
            byte[] part = new byte[have];
            runner.withDevice(() -> device.readConfig(offset, part));
            System.arraycopy(part, 0, data, 0, have);
        }
        byte[] reply = new byte[12 + size];
        ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).putInt(offset).putInt(size).putInt((int) m.u32(8)).put(data);
        codec.reply(Request.GET_CONFIG, reply);
        return true;
    }

    private boolean setConfig(Message m) throws ProtocolException {
        int offset = (int) Math.min(m.u32(0), Integer.MAX_VALUE);
        int size = checkConfig(m);
        int have = Math.max(0, Math.min(size, device.configSize() - offset));
        if (have > 0) {
            byte[] part = m.bytes(12, have);
            runner.withDevice(() -> device.writeConfig(offset, part));
        }
        return false;
    }

    private int checkConfig(Message m) throws ProtocolException {
        long size = m.u32(4);
        if (size > MAX_CONFIG) {
            throw new ProtocolException(m.name() + ": size " + size + " exceeds " + MAX_CONFIG);
        }
        m.requireSize(12 + (int) size);
        return (int) size;
    }

    private boolean getInflightFd(Message m) throws ProtocolException, SysException {
        m.requireSize(20);
        InflightRegion region = InflightRegion.create(m.u16(16), m.u16(18), rings.length);
        byte[] reply = new byte[24];
        ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).putLong(region.size()).putLong(0)
                .putShort((short) region.queueCount()).putShort((short) region.queueSize());
        InflightRegion old = runner.setInflight(region);
        if (old != null) {
            old.close();
        }
        codec.reply(Request.GET_INFLIGHT_FD, reply, region.fd());
        return true;
    }

    private boolean setInflightFd(Message m) throws ProtocolException {
        m.requireSize(20);
        long mmapSize = m.u64(0);
        long mmapOffset = m.u64(8);
        int queues = m.u16(16);
        int size = m.u16(18);
        InflightRegion region = InflightRegion.adopt(m.takeFd(0), mmapSize, mmapOffset, queues, size, rings.length);
        InflightRegion old = runner.setInflight(region);
        if (old != null) {
            old.close();
        }
        return false;
    }

    private boolean setStatus(Message m) throws ProtocolException {
        long s = m.u64(0);
        if (s > 0xff) {
            throw new ProtocolException("SET_STATUS: 0x" + Long.toHexString(s) + " is not a status byte");
        }
        status = (int) s;
        if (s == 0) {
            runner.stop();
        } else if ((s & DeviceStatus.DRIVER_OK) != 0) {
            runner.driverOk();
        }
        return false;
    }

    private void closeWatchers() {
        for (Vring r : rings) {
            KickWatcher w = r.detachWatcher();
            if (w != null) {
                w.close();
            }
        }
    }

    /** Stops the device and releases rings, eventfds, memory and the inflight region. */
    private void close() {
        closeWatchers();
        runner.stop();
        for (Vring r : rings) {
            r.clear();
        }
        MemoryTable table = runner.setMemory(null);
        if (table != null) {
            table.close();
        }
        InflightRegion region = runner.setInflight(null);
        if (region != null) {
            region.close();
        }
    }
}
