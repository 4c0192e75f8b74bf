package org.virtio.karaf.jdk25;

import java.security.AccessController;
import java.security.PrivilegedAction;
import java.util.concurrent.atomic.AtomicReference;

import javax.security.auth.Subject;

/** Code written the Karaf 4.4 way: {@code Subject.getSubject(AccessController.getContext())}. */
@SuppressWarnings("removal")
public final class Caller {

    private Caller() {
    }

    /** The subject seen inside {@code Subject.doAs}, the way Karaf's EventAdmin and shell look it up. */
    public static Subject insideDoAs(Subject subject) {
        return Subject.doAs(subject, (PrivilegedAction<Subject>) () -> Subject.getSubject(AccessController.getContext()));
    }

    /** The subject as seen now on this thread. */
    public static Subject current() {
        return Subject.getSubject(AccessController.getContext());
    }

    /** The subject as seen on a new thread started from here (Gogo runs commands on executor threads). */
    public static Subject onChildThread() throws InterruptedException {
        AtomicReference<Subject> seen = new AtomicReference<>();
        Thread child = new Thread(() -> seen.set(Subject.getSubject(AccessController.getContext())));
        child.start();
        child.join();
        return seen.get();
    }
}
