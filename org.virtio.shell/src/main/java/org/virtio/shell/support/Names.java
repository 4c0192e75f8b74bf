package org.virtio.shell.support;

import java.util.regex.Pattern;

/** The VM manager's name rule (1 to 64 letters, digits, '.', '_', '-'), checked before anything is changed. */
public final class Names {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private Names() {
    }

    /**
     * @param name a VM or device name from the command line
     * @return whether the VM manager accepts it
     */
    public static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
