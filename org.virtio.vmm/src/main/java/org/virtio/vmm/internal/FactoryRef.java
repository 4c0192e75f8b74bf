package org.virtio.vmm.internal;

import java.util.Map;

import org.osgi.framework.Bundle;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.vmm.api.VmManager;

/**
 * One registered {@link VirtioDeviceFactory} service, with what the manager ranks it by.
 *
 * @param factory   the service object
 * @param type      its {@value VirtioDeviceFactory#TYPE_PROPERTY}
 * @param serviceId its service.id
 * @param ranking   its service.ranking
 * @param bundle    the bundle that registered it (null in unit tests)
 * @param fromDeviceConfig whether DS made this factory instance from one of our device configurations
 *                  (the device bundles' factory PIDs equal ours: see the bundle README)
 */
record FactoryRef(VirtioDeviceFactory factory, String type, long serviceId, int ranking, Bundle bundle,
        boolean fromDeviceConfig) {

    static FactoryRef of(VirtioDeviceFactory factory, Map<String, ?> props, Bundle bundle) {
        Object type = props.get(VirtioDeviceFactory.TYPE_PROPERTY);
        String t = type instanceof String s ? s : factory.typeName();
        long id = props.get("service.id") instanceof Long l ? l : -1;
        int ranking = props.get("service.ranking") instanceof Integer r ? r : 0;
        Object factoryPid = props.get(ConfigNames.FACTORY_PID);
        boolean fromConfig = factoryPid instanceof String s && s.startsWith(VmManager.DEVICE_FACTORY_PID_PREFIX);
        return new FactoryRef(factory, t, id, ranking, bundle, fromConfig);
    }

    /** @return {@code symbolic-name/version [id]}, or the factory's class when there is no bundle */
    String implementation() {
        if (bundle == null) {
            return factory.getClass().getName();
        }
        return bundle.getSymbolicName() + "/" + bundle.getVersion() + " [" + bundle.getBundleId() + "]";
    }

    /** @param wanted a bundle id or symbolic name  @return whether this factory's bundle is it */
    boolean isFrom(String wanted) {
        if (bundle == null) {
            return factory.getClass().getName().equals(wanted);
        }
        return wanted.equals(bundle.getSymbolicName()) || wanted.equals(Long.toString(bundle.getBundleId()));
    }

    /** Better first: a factory DS made without one of our configurations, higher ranking, lower service id. */
    static int compare(FactoryRef a, FactoryRef b) {
        if (a.fromDeviceConfig != b.fromDeviceConfig) {
            return a.fromDeviceConfig ? 1 : -1;
        }
        if (a.ranking != b.ranking) {
            return Integer.compare(b.ranking, a.ranking);
        }
        return Long.compare(a.serviceId, b.serviceId);
    }
}
