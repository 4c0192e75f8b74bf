package org.virtio.device.net.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** TAP constants against {@code if_tun.h}, and TAP creation errors. The frame exchange is in NetTapDeviceTest. */
class TapBackendTest {

    @Test
    void constantsMatchIfTunH() throws IOException {
        Path h = Path.of("/usr/include/linux/if_tun.h");
        assumeTrue(Files.isReadable(h), h + " absent (package linux-libc-dev)");
        Map<String, Long> d = new HashMap<>();
        Matcher m = Pattern.compile("#define\\s+([A-Z0-9_]+)\\s+(0x[0-9a-fA-F]+|\\d+)\\b").matcher(Files.readString(h));
        while (m.find()) {
            d.putIfAbsent(m.group(1), Long.decode(m.group(2)));
        }
        assertEquals(d.get("IFF_TAP"), (long) TapBackend.IFF_TAP);
        assertEquals(d.get("IFF_NO_PI"), (long) TapBackend.IFF_NO_PI);
        // TUNSETIFF is _IOW('T', 202, int): direction write (1) << 30 | size 4 << 16 | 'T' << 8 | 202.
        assertEquals((1L << 30) | (4L << 16) | ('T' << 8) | 202, TapBackend.TUNSETIFF);
    }

    @Test
    void badNamesAreRefusedBeforeTouchingTheKernel() {
        assertThrows(IllegalArgumentException.class, () -> TapBackend.open(""));
        assertThrows(IllegalArgumentException.class, () -> TapBackend.open("x".repeat(16)));
    }

    @Test
    void kernelRefusalIsAnIOExceptionNamingTheStep() {
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun absent");
        // An existing non-TAP interface cannot be attached as a TAP: TUNSETIFF fails.
        IOException e = assertThrows(IOException.class, () -> TapBackend.open("lo"));
        assertTrue(e.getMessage().contains("TUNSETIFF lo") || e.getMessage().contains("/dev/net/tun"), e.getMessage());
    }
}
