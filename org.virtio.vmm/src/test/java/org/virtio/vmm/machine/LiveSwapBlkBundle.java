package org.virtio.vmm.machine;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Map;

import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;

/**
 * One "version" of the blk bundle, as an OSGi bundle update makes it: a new class loader over the
 * org.virtio.device.blk code (its jar or classes folder) that defines every {@code org.virtio.device.blk}
 * class anew, while the core API ({@link VirtioDevice}, {@link VirtioDeviceFactory}) and everything else
 * comes from the parent, shared with the machine. Devices made by two versions are instances of two
 * different {@code BlkDevice} classes.
 */
final class LiveSwapBlkBundle implements AutoCloseable {
    /** The bundle's own packages: never taken from the parent. */
    static final String BLK_PACKAGE = "org.virtio.device.blk.";
    private static final String FACTORY = BLK_PACKAGE + "BlkDeviceFactory";

    private final URLClassLoader loader;

    /**
     * @param code    where the blk classes are (a jar or a classes folder)
     * @param shared  the loader the core classes come from
     * @param version a number for the loader's name
     */
    LiveSwapBlkBundle(URL code, ClassLoader shared, int version) {
        this.loader = new URLClassLoader("blk-bundle-v" + version, new URL[] {code}, new HidingParent(shared));
    }

    /** @return where the blk classes on the test class path come from */
    static URL blkCode() throws URISyntaxException {
        URL u = org.virtio.device.blk.BlkDevice.class.getProtectionDomain().getCodeSource().getLocation();
        if (u == null || !Path.of(u.toURI()).toFile().exists()) {
            throw new IllegalStateException("cannot locate the org.virtio.device.blk classes (code source " + u + ")");
        }
        return u;
    }

    /**
     * @param image  the raw image the device serves
     * @param serial the GET_ID serial
     * @return a new device, defined by this version's classes, with the image open
     */
    VirtioDevice newDevice(Path image, String serial) throws ReflectiveOperationException {
        Class<?> factoryClass = loader.loadClass(FACTORY);
        if (factoryClass.getClassLoader() != loader) {
            throw new IllegalStateException(FACTORY + " came from " + factoryClass.getClassLoader() + ", not the bundle's loader");
        }
        VirtioDeviceFactory factory = (VirtioDeviceFactory) factoryClass.getConstructor().newInstance();
        return factory.create(Map.of("path", image.toString(), "readOnly", false, "serial", serial));
    }

    /** @return this version's class loader */
    ClassLoader loader() {
        return loader;
    }

    @Override
    public void close() throws IOException {
        loader.close();
    }

    /** Delegates to the shared loader, except for the bundle's own packages. */
    private static final class HidingParent extends ClassLoader {
        HidingParent(ClassLoader shared) {
            super("shared-with-blk-bundle", shared);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith(BLK_PACKAGE)) {
                throw new ClassNotFoundException(name + " belongs to the blk bundle and is loaded by its own loader");
            }
            return super.loadClass(name, resolve);
        }
    }
}
