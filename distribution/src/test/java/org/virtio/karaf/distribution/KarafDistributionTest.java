package org.virtio.karaf.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Starts the built distribution as a real process on this JDK (25) and drives it with {@code bin/client}:
 * our features at boot, our bundles active, JAAS roles (which only work with the org.virtio.karaf.jdk25
 * agent), the device factory components, then {@code bin/stop} and no ERROR in {@code data/log/karaf.log}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KarafDistributionTest {

    static final List<String> FEATURES = List.of("virtio-core", "virtio-kvm", "virtio-transport-mmio",
            "virtio-device-rng", "virtio-device-blk", "virtio-device-console", "virtio-vmm", "virtio-shell");
    private static final List<String> BUNDLES = List.of("org.virtio.core", "org.virtio.kvm",
            "org.virtio.transport.mmio", "org.virtio.device.rng", "org.virtio.device.blk",
            "org.virtio.device.console", "org.virtio.vmm", "org.virtio.shell");
    private static final List<String> COMPONENTS = List.of("org.virtio.device.rng.RngDeviceFactory",
            "org.virtio.device.blk.BlkDeviceFactory", "org.virtio.device.console.ConsoleDeviceFactory");

    private KarafInstance karaf;

    @BeforeAll
    void unpackAndStart() throws Exception {
        karaf = KarafInstance.unpack("boot");
        karaf.start(FEATURES);
    }

    @Test
    @Order(1)
    void ourFeaturesAreInstalled() throws Exception {
        String out = show("feature:list -i");
        for (String feature : FEATURES) {
            assertTrue(out.lines().anyMatch(l -> l.contains(feature + " ") && l.contains("Started")), feature + " not started:\n" + out);
        }
    }

    @Test
    @Order(2)
    void ourBundlesAreActive() throws Exception {
        String out = show("bundle:list -s");
        for (String bundle : BUNDLES) {
            assertTrue(out.lines().anyMatch(l -> l.strip().endsWith("| " + bundle) && l.contains("| Active ")),
                    bundle + " not Active:\n" + out);
        }
    }

    @Test
    @Order(3)
    void jaasWhoamiShowsRolesThroughTheAgent() throws Exception {
        String out = show("jaas:whoami -r");
        assertTrue(out.contains("admin"), "no admin role:\n" + out);
    }

    /**
     * {@code scr:list} only returns a value, which the client prints only in an interactive session, so this
     * one is typed on the client's stdin. The factories are delayed components: SATISFIED (service registered,
     * instance created on first use) or ACTIVE once something used them.
     */
    @Test
    @Order(4)
    void deviceFactoryComponentsAreSatisfied() throws Exception {
        String out = karaf.interactive("scr:list", COMPONENTS, "");
        System.out.println("karaf@root()> scr:list\n" + out.lines().filter(l -> l.contains("bundle") || l.contains("State:"))
                .reduce("", (a, b) -> a + b + "\n"));
        List<String> lines = out.lines().toList();
        for (String component : COMPONENTS) {
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith(component + " in bundle") && lines.get(i).contains("enabled")) {
                    at = i;
                }
            }
            assertTrue(at >= 0 && at + 1 < lines.size(), component + " not listed:\n" + out);
            String state = lines.get(at + 1);
            assertTrue(state.contains("State:SATISFIED") || state.contains("State:ACTIVE"),
                    component + " not satisfied: " + state);
        }
    }

    @Test
    @Order(5)
    void stopsWithoutErrorsInTheLog() throws Exception {
        assertEquals(0, karaf.stop(), "Karaf exit code");
        List<String> errors = karaf.logLines(line -> line.contains("| ERROR |") || line.contains(" ERROR "));
        System.out.println("karaf.log ERROR lines: " + errors.size());
        assertEquals(List.of(), errors, "errors in data/log/karaf.log");
    }

    @AfterAll
    void stopIfRunning() throws Exception {
        if (karaf != null) {
            karaf.close();
        }
    }

    private String show(String command) throws Exception {
        KarafInstance.Result result = karaf.client("karaf", command);
        System.out.println("karaf@root()> " + command + "\n" + result.output());
        assertEquals(0, result.exit(), command + " failed:\n" + result.output());
        return result.output();
    }
}
