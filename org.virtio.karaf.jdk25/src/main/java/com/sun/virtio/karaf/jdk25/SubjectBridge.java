package com.sun.virtio.karaf.jdk25;

import java.security.AccessControlContext;
import java.security.PrivilegedAction;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;

import javax.security.auth.Subject;

/**
 * The run-time half of the JDK 25 compatibility agent: what rewritten {@code Subject.getSubject} calls and
 * Karaf's rewritten {@code JaasHelper.doAs} bodies call instead.
 *
 * <p>Why it exists: from JDK 24 {@link Subject#getSubject(AccessControlContext)} throws
 * {@link UnsupportedOperationException} unless a Security Manager is allowed, and JDK 25 refuses to start
 * with one; Karaf 4.4 still uses that method (EventAdmin, the shell, JMX guard, deployer) and binds the
 * subject with {@code AccessController.doPrivileged}, which no longer carries it.
 *
 * <p>Why the thread-local: Gogo runs each command on an executor thread created by the session, outside the
 * {@code doAs} of the console or SSH session. {@link Subject#current()} does not cross threads, so the subject
 * is also kept in an {@link InheritableThreadLocal} that those threads inherit; without it role-guarded
 * commands vanish and {@code jaas:whoami} fails.
 *
 * <p>Why {@code com.sun.*}: the agent appends its jar to the boot class path and Karaf delegates
 * {@code com.sun.*} to the boot loader, so every bundle links to this one class and shares its state.
 */
public final class SubjectBridge {

    /** The subject of the innermost {@link #doAs} on this thread or on the thread that created it. */
    private static final InheritableThreadLocal<Subject> INHERITED = new InheritableThreadLocal<>();

    private SubjectBridge() {
    }

    /**
     * Replacement for {@link Subject#getSubject(AccessControlContext)}.
     *
     * @param context ignored: access control contexts carry no subject without a Security Manager
     * @return {@link Subject#current()}, else the subject inherited from a {@link #doAs} of this or a parent
     *         thread, else {@code null}
     */
    public static Subject getSubject(AccessControlContext context) {
        Subject current = Subject.current();
        return current != null ? current : INHERITED.get();
    }

    /**
     * Replacement body of Karaf's {@code JaasHelper.doAs(Subject, PrivilegedAction)}: runs {@code action} with
     * {@code subject} as {@link Subject#current()} and as the inherited subject of threads it starts.
     *
     * @param subject the subject, or {@code null} for none
     * @param action what to run
     * @param <T> the result type
     * @return what {@code action} returns
     */
    @SuppressWarnings("removal")
    public static <T> T doAs(Subject subject, PrivilegedAction<T> action) {
        if (action == null) {
            throw new NullPointerException("action");
        }
        Subject previous = INHERITED.get();
        INHERITED.set(subject);
        try {
            return Subject.doAs(subject, action);
        } finally {
            restore(previous);
        }
    }

    /**
     * Replacement body of Karaf's {@code JaasHelper.doAs(Subject, PrivilegedExceptionAction)}.
     *
     * @param subject the subject, or {@code null} for none
     * @param action what to run
     * @param <T> the result type
     * @return what {@code action} returns
     * @throws PrivilegedActionException wrapping a checked exception of {@code action}, as before
     */
    @SuppressWarnings("removal")
    public static <T> T doAs(Subject subject, PrivilegedExceptionAction<T> action)
            throws PrivilegedActionException {
        if (action == null) {
            throw new NullPointerException("action");
        }
        Subject previous = INHERITED.get();
        INHERITED.set(subject);
        try {
            return Subject.doAs(subject, action);
        } finally {
            restore(previous);
        }
    }

    private static void restore(Subject previous) {
        if (previous == null) {
            INHERITED.remove();
        } else {
            INHERITED.set(previous);
        }
    }
}
