package org.virtio.device.net.backend;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A Linux TAP interface (Documentation/networking/tuntap.rst): {@code /dev/net/tun} opened through FFM and
 * attached with {@code ioctl(TUNSETIFF)} as {@code IFF_TAP | IFF_NO_PI}, so each read(2) returns one whole
 * Ethernet frame and each write(2) sends one, with no packet-information prefix and no vnet header (the
 * device offers no offloads). The interface is created when missing and, not being persistent, disappears
 * when the backend closes; bringing it up and addressing it is the host administrator's business. Needs
 * CAP_NET_ADMIN (or a persistent TAP owned by this user).
 */
public final class TapBackend extends FdBackend {
    /** {@code _IOW('T', 202, int)} from {@code linux/if_tun.h}. */
    static final long TUNSETIFF = 0x400454caL;
    /** TAP (Ethernet) rather than TUN. */
    static final short IFF_TAP = 0x0002;
    /** No struct tun_pi before each frame. */
    static final short IFF_NO_PI = 0x1000;
    /** sizeof(struct ifreq). */
    static final int IFREQ_SIZE = 40;
    /** IFNAMSIZ less the NUL. */
    public static final int MAX_NAME = 15;

    private final String name;

    private TapBackend(int fd, String name) throws IOException {
        super(fd);
        this.name = name;
    }

    /**
     * Creates (or attaches to) a TAP interface.
     *
     * @param ifname the interface name, 1 to 15 bytes
     * @return the open backend
     * @throws IOException naming the step and errno when /dev/net/tun cannot be opened or TUNSETIFF fails
     */
    public static TapBackend open(String ifname) throws IOException {
        byte[] n = ifname.getBytes(StandardCharsets.US_ASCII);
        if (n.length == 0 || n.length > MAX_NAME) {
            throw new IllegalArgumentException("TAP name must be 1 to " + MAX_NAME + " bytes: " + ifname);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Posix.CAPTURE);
            int fd = Posix.open(state, a.allocateFrom("/dev/net/tun"), Posix.O_RDWR | Posix.O_NONBLOCK | Posix.O_CLOEXEC);
            if (fd < 0) {
                throw Posix.failure("open /dev/net/tun", state);
            }
            MemorySegment ifr = a.allocate(IFREQ_SIZE, 8);
            MemorySegment.copy(n, 0, ifr, ValueLayout.JAVA_BYTE, 0, n.length);
            ifr.set(ValueLayout.JAVA_SHORT, 16, (short) (IFF_TAP | IFF_NO_PI));
            if (Posix.ioctl(state, fd, TUNSETIFF, ifr) < 0) {
                IOException e = Posix.failure("ioctl TUNSETIFF " + ifname, state);
                Posix.close(fd);
                throw e;
            }
            return new TapBackend(fd, ifr.getString(0, StandardCharsets.US_ASCII));
        }
    }

    @Override
    long readFrame(MemorySegment state, MemorySegment dst) {
        return Posix.read(state, fd, dst, dst.byteSize());
    }

    @Override
    long writeFrame(MemorySegment state, MemorySegment frame, int length) {
        return Posix.write(state, fd, frame, length);
    }

    /** ENOBUFS (105) and EIO (5, interface down) lose a frame, as a full NIC queue would. */
    @Override
    boolean dropErrno(int errno) {
        return super.dropErrno(errno) || errno == 105 || errno == 5;
    }

    /** @return the interface name the kernel gave */
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return "tap " + name;
    }
}
