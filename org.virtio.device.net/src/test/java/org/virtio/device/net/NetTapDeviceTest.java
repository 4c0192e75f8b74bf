package org.virtio.device.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.virtio.core.memory.GuestAddress;

/**
 * The TAP backend end to end with the host kernel: the device creates a TAP, the test brings it up with
 * {@code ip} and gives it x.y.z.1/24 in a /24 the host does not use (198.51.100.0/24 first), the simulated guest sends an ARP request for that address
 * through the transmit queue, and the kernel's ARP reply must arrive in a receive buffer. Skips (with the
 * reason) when the TAP cannot be created or configured, e.g. without CAP_NET_ADMIN.
 */
class NetTapDeviceTest {
    private static final byte[] GUEST_MAC = {0x52, 0x54, 0x00, 0x00, 0x0a, 0x02};
    /** Candidate /24 subnets (documentation and rarely used ranges); the first one the host does not use is taken. */
    private static final int[][] SUBNETS = {{198, 51, 100}, {203, 0, 113}, {10, 213, 97}, {172, 31, 213}};
    private byte[] guestIp;
    private byte[] hostIp;

    /** @return command output, or null when it failed */
    private static String output(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    }

    /** Picks a /24 no local address or route mentions, so the kernel neither ignores nor misroutes the exchange. */
    private boolean pickSubnet() throws IOException, InterruptedException {
        String addrs = output("ip", "-4", "-o", "addr");
        String routes = output("ip", "-4", "route");
        if (addrs == null || routes == null) {
            return false;
        }
        for (int[] n : SUBNETS) {
            String prefix = n[0] + "." + n[1] + "." + n[2] + ".";
            if (!addrs.contains(prefix) && !routes.contains(prefix)) {
                guestIp = new byte[] {(byte) n[0], (byte) n[1], (byte) n[2], 2};
                hostIp = new byte[] {(byte) n[0], (byte) n[1], (byte) n[2], 1};
                return true;
            }
        }
        return false;
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            return "failed: " + String.join(" ", cmd) + ": " + out.strip();
        }
        return null;
    }

    private byte[] arpRequest() {
        byte[] f = new byte[60];
        Arrays.fill(f, 0, 6, (byte) 0xff);
        System.arraycopy(GUEST_MAC, 0, f, 6, 6);
        f[12] = 0x08;
        f[13] = 0x06;
        byte[] arp = {0, 1, 0x08, 0, 6, 4, 0, 1};
        System.arraycopy(arp, 0, f, 14, 8);
        System.arraycopy(GUEST_MAC, 0, f, 22, 6);
        System.arraycopy(guestIp, 0, f, 28, 4);
        System.arraycopy(hostIp, 0, f, 38, 4);
        return f;
    }

    private boolean isArpReply(byte[] frame) {
        return frame.length >= 42 && frame[12] == 0x08 && frame[13] == 0x06 && frame[20] == 0 && frame[21] == 2
                && Arrays.equals(Arrays.copyOfRange(frame, 28, 32), hostIp)
                && Arrays.equals(Arrays.copyOfRange(frame, 32, 38), GUEST_MAC);
    }

    @Test
    void arpRequestFromTheGuestIsAnsweredByTheHostKernel() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun absent");
        assumeTrue(pickSubnet(), "no free test subnet, or the ip command is missing");
        String ifname = "vtnet" + (ProcessHandle.current().pid() % 1_000_000);
        NetDevice d;
        try {
            d = (NetDevice) new NetDeviceFactory().create(Map.of("tap", ifname, "mac", HexFormat.ofDelimiter(":").formatHex(GUEST_MAC)));
        } catch (IllegalArgumentException e) {
            assumeTrue(false, "cannot create TAP " + ifname + ": " + e.getMessage());
            return;
        }
        try {
            String failed = run("ip", "link", "set", "dev", ifname, "up");
            failed = failed != null ? failed : run("ip", "addr", "add", hostCidr(), "dev", ifname);
            assumeTrue(failed == null, "cannot configure TAP: " + failed);
            exchangeArp(d, ifname);
        } finally {
            d.close();
            run("ip", "link", "del", ifname); // normally gone already: a non-persistent TAP dies with its fd
        }
        assertFalse(Files.exists(Path.of("/sys/class/net", ifname)), "TAP " + ifname + " left behind");
    }

    private String hostCidr() {
        return (hostIp[0] & 0xff) + "." + (hostIp[1] & 0xff) + "." + (hostIp[2] & 0xff) + ".1/24";
    }

    /** The simulated guest ARPs for the host address through the device until the kernel's reply arrives. */
    private void exchangeArp(NetDevice d, String ifname) throws IOException, InterruptedException {
        try (NetHarness h = new NetHarness(d, NetHarness.SPLIT_MRG)) {
            byte[] hostMac = HexFormat.ofDelimiter(":").parseHex(
                    Files.readString(Path.of("/sys/class/net", ifname, "address")).strip());
            Map<Integer, GuestAddress> bufs = h.postRx(32, 2048);
            byte[] reply = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            long nextRequest = 0;
            while (reply == null && System.nanoTime() < deadline) {
                if (System.nanoTime() >= nextRequest) {
                    assertEquals(0, h.transmit(NetHarness.header(), arpRequest(), 0));
                    nextRequest = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                }
                if (!h.q(NetHarness.RX).pollUsed()) {
                    Thread.sleep(5);
                    continue;
                }
                int len = h.q(NetHarness.RX).usedLength();
                GuestAddress a = bufs.remove(h.q(NetHarness.RX).usedId());
                byte[] got = h.read(a, len);
                assertTrue(len >= 12 + 14, "used length " + len);
                assertEquals(1, NetHarness.numBuffers(got), "a small frame fits one buffer");
                byte[] frame = Arrays.copyOfRange(got, 12, len);
                if (isArpReply(frame)) {
                    reply = frame;
                }
                bufs.putAll(h.postRx(1, 2048)); // other host traffic (IPv6 solicitations) may come first
            }
            assertTrue(reply != null, "no ARP reply within 15 s: " + d.metrics());
            assertArrayEquals(GUEST_MAC, Arrays.copyOfRange(reply, 0, 6), "reply addressed to the guest");
            assertArrayEquals(hostMac, Arrays.copyOfRange(reply, 6, 12), "reply from the TAP's own MAC");
            assertArrayEquals(hostMac, Arrays.copyOfRange(reply, 22, 28), "ARP sender hardware address");
            assertTrue(d.metrics().txFrames() >= 1);
        }
    }

    @Test
    void attachesToAPersistentTapConfiguredBeforehand() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun absent");
        assumeTrue(pickSubnet(), "no free test subnet, or the ip command is missing");
        String ifname = "vtpst" + (ProcessHandle.current().pid() % 1_000_000);
        String failed = run("ip", "tuntap", "add", "dev", ifname, "mode", "tap");
        assumeTrue(failed == null, "cannot create a persistent TAP: " + failed);
        try {
            failed = run("ip", "link", "set", "dev", ifname, "up");
            failed = failed != null ? failed : run("ip", "addr", "add", hostCidr(), "dev", ifname);
            assumeTrue(failed == null, "cannot configure TAP: " + failed);
            for (int round = 0; round < 2; round++) { // attach, detach, attach again: the host side stays configured
                NetDevice d = (NetDevice) new NetDeviceFactory().create(Map.of("tap", ifname,
                        "mac", HexFormat.ofDelimiter(":").formatHex(GUEST_MAC)));
                try {
                    exchangeArp(d, ifname);
                } finally {
                    d.close();
                }
                assertTrue(Files.exists(Path.of("/sys/class/net", ifname)), "a persistent TAP survives its device");
            }
        } finally {
            run("ip", "tuntap", "del", "dev", ifname, "mode", "tap");
        }
        assertFalse(Files.exists(Path.of("/sys/class/net", ifname)), "TAP " + ifname + " left behind");
    }
}
