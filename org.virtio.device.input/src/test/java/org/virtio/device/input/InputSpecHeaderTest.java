package org.virtio.device.input;

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

/** The spec constants agree with Linux {@code virtio_input.h}, {@code input-event-codes.h} and {@code input.h}. */
class InputSpecHeaderTest {

    private static Map<String, Integer> defines(String... headers) throws IOException {
        Map<String, Integer> defs = new HashMap<>();
        Pattern p = Pattern.compile("(?:#define\\s+|^\\s*)([A-Z0-9_]+)\\s*=?\\s*(0x[0-9a-fA-F]+|\\d+)\\b", Pattern.MULTILINE);
        for (String h : headers) {
            Path path = Path.of(h);
            assumeTrue(Files.isReadable(path), path + " absent (package linux-libc-dev)");
            Matcher m = p.matcher(Files.readString(path));
            while (m.find()) {
                defs.putIfAbsent(m.group(1), Integer.decode(m.group(2)));
            }
        }
        return defs;
    }

    @Test
    void constantsMatchTheLinuxHeaders() throws IOException {
        Map<String, Integer> d = defines("/usr/include/linux/virtio_input.h", "/usr/include/linux/input-event-codes.h",
                "/usr/include/linux/input.h");
        assertEquals(d.get("VIRTIO_INPUT_CFG_UNSET"), InputSpec.SELECT_UNSET);
        assertEquals(d.get("VIRTIO_INPUT_CFG_ID_NAME"), InputSpec.SELECT_ID_NAME);
        assertEquals(d.get("VIRTIO_INPUT_CFG_ID_SERIAL"), InputSpec.SELECT_ID_SERIAL);
        assertEquals(d.get("VIRTIO_INPUT_CFG_ID_DEVIDS"), InputSpec.SELECT_ID_DEVIDS);
        assertEquals(d.get("VIRTIO_INPUT_CFG_PROP_BITS"), InputSpec.SELECT_PROP_BITS);
        assertEquals(d.get("VIRTIO_INPUT_CFG_EV_BITS"), InputSpec.SELECT_EV_BITS);
        assertEquals(d.get("VIRTIO_INPUT_CFG_ABS_INFO"), InputSpec.SELECT_ABS_INFO);
        assertEquals(d.get("EV_SYN"), InputSpec.EV_SYN);
        assertEquals(d.get("EV_KEY"), InputSpec.EV_KEY);
        assertEquals(d.get("EV_LED"), InputSpec.EV_LED);
        assertEquals(d.get("EV_SND"), InputSpec.EV_SND);
        assertEquals(d.get("EV_REP"), InputSpec.EV_REP);
        assertEquals(d.get("SYN_REPORT"), InputSpec.SYN_REPORT);
        assertEquals(d.get("LED_NUML"), InputSpec.LED_NUML);
        assertEquals(d.get("LED_CAPSL"), InputSpec.LED_CAPSL);
        assertEquals(d.get("LED_SCROLLL"), InputSpec.LED_SCROLLL);
        assertEquals(d.get("REP_DELAY"), InputSpec.REP_DELAY);
        assertEquals(d.get("REP_PERIOD"), InputSpec.REP_PERIOD);
        assertEquals(d.get("BUS_VIRTUAL"), InputSpec.BUS_VIRTUAL);
    }
}
