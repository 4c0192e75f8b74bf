package org.virtio.vmm.internal;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/** Where a configuration came from and what its name is: shared by the VM and device parsers. */
final class ConfigNames {
    /** FileInstall's property with the file a configuration was read from (a URL or a path). */
    static final String FILEINSTALL_FILENAME = "felix.fileinstall.filename";
    static final String SERVICE_PID = "service.pid";
    static final String FACTORY_PID = "service.factoryPid";
    /** VM and device names: what a shell argument, a JMX ObjectName value and a file name can all carry. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private ConfigNames() {
    }

    /**
     * @param props configuration properties
     * @param pid   the configuration's PID
     * @return the file FileInstall read (as a path when it is a file: URL), else the PID
     */
    static String source(Map<String, ?> props, String pid) {
        Object file = props.get(FILEINSTALL_FILENAME);
        if (file instanceof String s && !s.isBlank()) {
            if (s.startsWith("file:")) {
                try {
                    return Path.of(URI.create(s)).toString();
                } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
                    return s;
                }
            }
            return s;
        }
        return pid == null ? "(no PID)" : pid;
    }

    /**
     * @return whether a key belongs to Config Admin, DS (component.*, DS 1.5's osgi.ds.satisfying.condition.target)
     *         or FileInstall rather than to the VM or device
     */
    static boolean isFrameworkKey(String key) {
        return key.startsWith("service.") || key.startsWith("component.") || key.startsWith("felix.")
                || key.startsWith("osgi.ds.") || key.startsWith(".") || key.equals("objectClass");
    }

    /**
     * The name of a factory configuration: the {@code name} property when set; else the name Config Admin
     * 1.6 gives a named factory configuration ({@code <factoryPid>~<name>}, what Karaf's FileInstall creates
     * for {@code <factoryPid>-<name>.cfg}); else the {@code <name>} of the file; else the PID.
     *
     * @return the name, not yet validated
     */
    static String nameOf(Map<String, ?> props, String pid, String factoryPid, String nameKey) {
        Object explicit = props.get(nameKey);
        if (explicit != null) {
            return String.valueOf(explicit).trim();
        }
        if (pid != null) {
            int tilde = pid.indexOf('~');
            if (tilde >= 0) {
                return pid.substring(tilde + 1);
            }
        }
        Object file = props.get(FILEINSTALL_FILENAME);
        if (file instanceof String s && factoryPid != null) {
            String base = s.substring(s.lastIndexOf('/') + 1);
            String prefix = factoryPid + "-";
            if (base.startsWith(prefix) && base.endsWith(".cfg")) {
                return base.substring(prefix.length(), base.length() - ".cfg".length());
            }
        }
        return pid == null ? "" : pid;
    }
}
