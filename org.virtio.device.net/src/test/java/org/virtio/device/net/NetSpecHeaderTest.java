package org.virtio.device.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The spec constants agree with Linux {@code virtio_net.h}. */
class NetSpecHeaderTest {

    private static Map<String, Long> defines(String header) throws IOException {
        Path path = Path.of(header);
        assumeTrue(Files.isReadable(path), path + " absent (package linux-libc-dev)");
        Map<String, Long> defs = new HashMap<>();
        Matcher m = Pattern.compile("#define\\s+([A-Z0-9_]+)\\s+(0x[0-9a-fA-F]+|\\d+)\\b").matcher(Files.readString(path));
        while (m.find()) {
            defs.putIfAbsent(m.group(1), Long.decode(m.group(2)));
        }
        return defs;
    }

    @Test
    void virtioNetConstants() throws IOException {
        Map<String, Long> d = defines("/usr/include/linux/virtio_net.h");
        assertEquals(d.get("VIRTIO_NET_F_MTU"), (long) NetSpec.F_MTU);
        assertEquals(d.get("VIRTIO_NET_F_MAC"), (long) NetSpec.F_MAC);
        assertEquals(d.get("VIRTIO_NET_F_MRG_RXBUF"), (long) NetSpec.F_MRG_RXBUF);
        assertEquals(d.get("VIRTIO_NET_F_STATUS"), (long) NetSpec.F_STATUS);
        assertEquals(d.get("VIRTIO_NET_S_LINK_UP"), (long) NetSpec.S_LINK_UP);
        assertEquals(d.get("VIRTIO_NET_HDR_GSO_NONE"), (long) NetSpec.GSO_NONE);
    }
}
