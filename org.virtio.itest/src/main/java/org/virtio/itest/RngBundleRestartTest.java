package org.virtio.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;
import org.virtio.core.device.VirtioDeviceFactory;

/** Stopping the rng bundle withdraws its factory service; starting it again brings a new one. */
class RngBundleRestartTest {
    private static final String FILTER = "(" + VirtioDeviceFactory.TYPE_PROPERTY + "=rng)";
    private static final long WAIT_MS = 5_000;

    @InjectBundleContext
    BundleContext context;

    @InjectService(filter = FILTER, cardinality = 0)
    ServiceAware<VirtioDeviceFactory> rng;

    private Bundle rngBundle() {
        Bundle b = Arrays.stream(context.getBundles()).filter(x -> "org.virtio.device.rng".equals(x.getSymbolicName()))
                .findFirst().orElse(null);
        assertNotNull(b, "org.virtio.device.rng is not installed");
        return b;
    }

    @AfterEach
    void leaveTheBundleRunning() throws Exception {
        rngBundle().start();
    }

    @Test
    void stopUnregistersAndStartReregistersTheFactory() throws Exception {
        assertNotNull(rng.waitForService(WAIT_MS), "factory not registered at start");
        ServiceReference<VirtioDeviceFactory> before = rng.getServiceReference();
        long idBefore = (Long) before.getProperty(Constants.SERVICE_ID);

        Bundle bundle = rngBundle();
        bundle.stop();
        assertEquals(Bundle.RESOLVED, bundle.getState());
        assertEquals(0, context.getServiceReferences(VirtioDeviceFactory.class, FILTER).size(),
                "factory still registered after stop");
        assertEquals(0, rng.size());

        bundle.start();
        VirtioDeviceFactory again = rng.waitForService(WAIT_MS);
        assertNotNull(again, "factory not registered again after start");
        ServiceReference<VirtioDeviceFactory> after = rng.getServiceReference();
        assertNotEquals(idBefore, (Long) after.getProperty(Constants.SERVICE_ID), "expected a new registration");
        assertEquals("rng", after.getProperty(VirtioDeviceFactory.TYPE_PROPERTY));
        assertEquals("rng", again.typeName());
    }
}
