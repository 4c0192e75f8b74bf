package org.virtio.karaf.jdk25;

import java.security.AccessController;

import javax.security.auth.Subject;

/**
 * Never run: {@link SubjectCallTransformer#warmUp()} rewrites this class file once in {@code premain} so the
 * class-file API's classes are loaded before the transformer is registered.
 */
final class WarmUp {

    private WarmUp() {
    }

    @SuppressWarnings("removal")
    static Subject subject() {
        return Subject.getSubject(AccessController.getContext());
    }
}
