package org.virtio.launcher;

/**
 * The config file is invalid: {@link #getMessage()} is {@code <json path>: <reason>}, for example
 * {@code machine-config.mem_size_mib: must be a positive integer, got "abc"}.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String path;

    /**
     * @param path   the JSON path of the offending key, e.g. {@code drives[1].is_read_only}
     * @param reason why it is wrong
     */
    public ConfigException(String path, String reason) {
        super(path + ": " + reason);
        this.path = path;
    }

    /** @return the JSON path of the offending key */
    public String path() {
        return path;
    }
}
