package org.apache.karaf.util.jaas;

import java.security.PrivilegedAction;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;

import javax.security.auth.Subject;

/**
 * Stand-in for Karaf's {@code org.apache.karaf.util.jaas.JaasHelper} (same name and {@code doAs} signatures):
 * its original bodies fail, so a test passes only if the agent replaced them.
 */
public final class JaasHelper {

    private JaasHelper() {
    }

    public static <T> T doAs(Subject subject, PrivilegedAction<T> action) {
        throw new IllegalStateException("original JaasHelper.doAs body ran");
    }

    public static <T> T doAs(Subject subject, PrivilegedExceptionAction<T> action) throws PrivilegedActionException {
        throw new IllegalStateException("original JaasHelper.doAs body ran");
    }
}
