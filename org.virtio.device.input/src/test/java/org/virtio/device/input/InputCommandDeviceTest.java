package org.virtio.device.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtio.core.memory.GuestAddress;
import org.virtio.device.input.api.KeyCodes;

/** Keys injected from outside the JVM's API, through the unix socket backend, reach the guest's eventq. */
class InputCommandDeviceTest {

    @Test
    void socketCommandsBecomeGuestEvents(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("kbd.sock");
        InputDevice d = (InputDevice) new InputDeviceFactory(InputSettings.DEFAULTS).create(Map.of("events", "unix:" + sock));
        try (InputHarness h = new InputHarness(d, InputHarness.SPLIT)) {
            assertTrue(Files.exists(sock), "the socket listens from the first DRIVER_OK");
            Map<Integer, GuestAddress> bufs = h.postEventBuffers(16);
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
                c.write(ByteBuffer.wrap("ready\ntap KEY_A\ntype b\npress nope\nleds\n".getBytes(StandardCharsets.US_ASCII)));
                assertEquals("ready true", in.readLine());
                assertEquals("ok", in.readLine());
                assertEquals("ok", in.readLine());
                assertTrue(in.readLine().startsWith("error: unknown key"));
                assertEquals("leds 0", in.readLine());
            }
            int n = 0;
            int[][] got = new int[8][];
            while (h.q(InputHarness.EVQ).pollUsed()) {
                got[n++] = h.readEvent(bufs.get(h.q(InputHarness.EVQ).usedId()));
            }
            assertEquals(8, n);
            int b = KeyCodes.code("B");
            int[][] keys = {{KeyCodes.KEY_A, 1}, {KeyCodes.KEY_A, 0}, {b, 1}, {b, 0}};
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(new int[] {InputSpec.EV_KEY, keys[i][0], keys[i][1]}, got[2 * i]);
                assertArrayEquals(new int[] {InputSpec.EV_SYN, 0, 0}, got[2 * i + 1]);
            }
            assertEquals(4, d.metrics().commands());
            assertEquals(1, d.metrics().commandErrors());
        } finally {
            d.close();
        }
        assertTrue(!Files.exists(sock), "closing the device removes its socket");
    }
}
