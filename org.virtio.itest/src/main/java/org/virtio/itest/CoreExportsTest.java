package org.virtio.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.test.common.annotation.InjectBundleContext;

/** The core bundle exports its API packages, versioned, and nothing of its implementation. */
class CoreExportsTest {
    private static final Set<String> API = Set.of("org.virtio.core.memory", "org.virtio.core.queue",
            "org.virtio.core.device", "org.virtio.core.transport", "org.virtio.core.driver");

    @InjectBundleContext
    BundleContext context;

    private Bundle core() {
        Bundle core = Arrays.stream(context.getBundles()).filter(b -> "org.virtio.core".equals(b.getSymbolicName()))
                .findFirst().orElse(null);
        assertNotNull(core, "org.virtio.core is not installed");
        return core;
    }

    @Test
    void exportsExactlyTheApiPackagesEachWithAVersion() {
        BundleRevision revision = core().adapt(BundleRevision.class);
        TreeMap<String, Version> exported = new TreeMap<>();
        for (BundleCapability c : revision.getDeclaredCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
            exported.put((String) c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE),
                    (Version) c.getAttributes().get(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE));
        }
        assertEquals(new TreeSet<>(API), exported.navigableKeySet(), "Export-Package");
        exported.forEach((pkg, version) -> assertNotEquals(Version.emptyVersion, version, pkg + " has no version"));
    }

    @Test
    void exportHeaderHasAVersionOnEveryClauseAndNoInternalPackage() {
        String header = core().getHeaders().get(Constants.EXPORT_PACKAGE);
        assertNotNull(header, "no Export-Package header");
        assertFalse(header.contains(".internal"), header);
        // Clauses are separated by commas outside quotes; every clause names its version.
        String[] clauses = header.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)");
        assertEquals(API.size(), clauses.length, header);
        for (String clause : clauses) {
            assertTrue(API.contains(clause.split(";")[0].strip()), clause);
            assertTrue(clause.matches(".*;\\s*version=\"?[0-9]+\\.[0-9]+\\.[0-9]+.*"), "no version: " + clause);
        }
    }
}
