package org.virtio.shell.completers;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.virtio.core.device.VirtioDeviceFactory;

/** The device factory services registered now: their type names and the bundles that registered them. */
final class DeviceFactories {
    private DeviceFactories() {
    }

    /**
     * @param context the shell bundle's context
     * @return one entry per registered {@link VirtioDeviceFactory}: its {@value VirtioDeviceFactory#TYPE_PROPERTY}
     *         and its bundle
     */
    static List<Factory> registered(BundleContext context) {
        List<Factory> factories = new ArrayList<>();
        try {
            ServiceReference<?>[] references = context.getServiceReferences(VirtioDeviceFactory.class.getName(), null);
            for (ServiceReference<?> reference : references == null ? new ServiceReference<?>[0] : references) {
                Object type = reference.getProperty(VirtioDeviceFactory.TYPE_PROPERTY);
                if (type instanceof String name && reference.getBundle() != null) {
                    factories.add(new Factory(name, reference.getBundle().getBundleId(),
                            reference.getBundle().getSymbolicName()));
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException("a null filter is always valid", e);
        } catch (IllegalStateException e) {
            return List.of(); // the shell bundle is stopping
        }
        return factories;
    }

    /**
     * @param type         the device type name
     * @param bundleId     the registering bundle's id
     * @param symbolicName its symbolic name
     */
    record Factory(String type, long bundleId, String symbolicName) {
    }
}
