package org.virtio.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.virtio.core.device.VirtioDeviceFactory;

/**
 * Every bundle built so far resolves and starts in Felix from its bnd-generated manifest, and each
 * device bundle registers its factory under its type name through Declarative Services.
 */
class DeviceBundlesTest {
    @InjectBundleContext
    BundleContext context;

    private Bundle bundle(String symbolicName) {
        Bundle b = Arrays.stream(context.getBundles()).filter(x -> symbolicName.equals(x.getSymbolicName())).findFirst()
                .orElse(null);
        assertNotNull(b, symbolicName + " is not installed");
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"org.virtio.core", "org.virtio.kvm", "org.virtio.transport.mmio", "org.virtio.device.rng",
            "org.virtio.device.blk", "org.virtio.device.console"})
    void bundleIsActive(String symbolicName) {
        assertEquals(Bundle.ACTIVE, bundle(symbolicName).getState(), symbolicName + " is not ACTIVE");
    }

    @ParameterizedTest(name = "{0} from {1}")
    @CsvSource({"rng, org.virtio.device.rng", "blk, org.virtio.device.blk", "console, org.virtio.device.console"})
    void factoryIsRegistered(String type, String symbolicName) throws Exception {
        var refs = context.getServiceReferences(VirtioDeviceFactory.class,
                "(" + VirtioDeviceFactory.TYPE_PROPERTY + "=" + type + ")");
        assertEquals(1, refs.size(), "factories for " + type);
        ServiceReference<VirtioDeviceFactory> ref = refs.iterator().next();
        assertEquals(symbolicName, ref.getBundle().getSymbolicName());
        assertEquals(type, context.getService(ref).typeName());
        context.ungetService(ref);
    }
}
