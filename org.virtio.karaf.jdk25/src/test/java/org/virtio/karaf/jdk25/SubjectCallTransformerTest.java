package org.virtio.karaf.jdk25;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.PrivilegedAction;
import java.security.PrivilegedExceptionAction;
import java.util.Set;

import javax.security.auth.Subject;
import javax.security.auth.x500.X500Principal;

import org.junit.jupiter.api.Test;

/**
 * Runs the transformer on class bytes (no {@code -javaagent}) and loads the result in a child class loader.
 */
class SubjectCallTransformerTest {

    private static final Subject ALICE =
            new Subject(true, Set.of(new X500Principal("CN=alice")), Set.of(), Set.of());

    private final SubjectCallTransformer transformer = new SubjectCallTransformer();

    @Test
    void untransformedGetSubjectThrowsOnThisJdk() {
        assertThrows(UnsupportedOperationException.class, () -> Caller.insideDoAs(ALICE));
    }

    @Test
    void transformedGetSubjectReturnsTheSubjectOfDoAs() throws Exception {
        Class<?> caller = transformed(Caller.class);
        assertSame(ALICE, call(caller, "insideDoAs", ALICE));
        assertNull(call(caller, "current"));
    }

    @Test
    void transformedJaasHelperDoAsRunsTheActionAsTheSubject() throws Exception {
        Class<?> caller = transformed(Caller.class);
        Class<?> helper = transformed(org.apache.karaf.util.jaas.JaasHelper.class);
        Method doAs = helper.getMethod("doAs", Subject.class, PrivilegedAction.class);
        PrivilegedAction<Subject> action = () -> uncheckedCall(caller, "current");
        assertSame(ALICE, doAs.invoke(null, ALICE, action));
        assertNull(call(caller, "current"), "the subject must not outlive doAs");

        Method doAsException = helper.getMethod("doAs", Subject.class, PrivilegedExceptionAction.class);
        PrivilegedExceptionAction<Subject> exceptionAction = Subject::current;
        assertSame(ALICE, doAsException.invoke(null, ALICE, exceptionAction));
    }

    @Test
    void childThreadStartedInsideDoAsInheritsTheSubject() throws Exception {
        Class<?> caller = transformed(Caller.class);
        Class<?> helper = transformed(org.apache.karaf.util.jaas.JaasHelper.class);
        Method doAs = helper.getMethod("doAs", Subject.class, PrivilegedAction.class);
        PrivilegedAction<Subject> action = () -> uncheckedCall(caller, "onChildThread");
        assertSame(ALICE, doAs.invoke(null, ALICE, action));
        assertNull(call(caller, "onChildThread"), "no subject outside doAs");
    }

    @Test
    void classesWithoutTheCallAreLeftAlone() throws IOException {
        assertNull(transformer.rewrite(getClass().getClassLoader(), "org/virtio/karaf/jdk25/SubjectAgent",
                bytes(SubjectAgent.class)));
        assertNull(transformer.transform(null, "java/lang/Foo", null, null, bytes(Caller.class)),
                "boot-loader classes are the JDK's");
    }

    @Test
    void rewrittenClassNamesTheBridge() throws IOException {
        byte[] rewritten = transformer.rewrite(getClass().getClassLoader(), "org/virtio/karaf/jdk25/Caller",
                bytes(Caller.class));
        assertNotNull(rewritten);
        String text = new String(rewritten, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(text.contains(SubjectCallTransformer.BRIDGE));
    }

    private Class<?> transformed(Class<?> original) throws IOException, ClassNotFoundException {
        String internal = original.getName().replace('.', '/');
        byte[] rewritten = transformer.rewrite(getClass().getClassLoader(), internal, bytes(original));
        assertNotNull(rewritten, internal + " must be rewritten");
        return new OneClassLoader(original.getName(), rewritten, getClass().getClassLoader())
                .loadClass(original.getName());
    }

    private static Object call(Class<?> type, String method, Object... args) throws Exception {
        Class<?>[] types = args.length == 0 ? new Class<?>[0] : new Class<?>[] {Subject.class};
        try {
            return type.getMethod(method, types).invoke(null, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static Subject uncheckedCall(Class<?> type, String method) {
        try {
            return (Subject) call(type, method);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(Class<?> type) throws IOException {
        String resource = "/" + type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getResourceAsStream(resource)) {
            return in.readAllBytes();
        }
    }

    /** Defines one class from given bytes, child first; everything else comes from the parent. */
    private static final class OneClassLoader extends ClassLoader {
        private final String name;
        private final byte[] bytes;

        OneClassLoader(String name, byte[] bytes, ClassLoader parent) {
            super(parent);
            this.name = name;
            this.bytes = bytes;
        }

        @Override
        protected Class<?> loadClass(String className, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(className)) {
                if (className.equals(name)) {
                    Class<?> loaded = findLoadedClass(className);
                    return loaded != null ? loaded : defineClass(className, bytes, 0, bytes.length);
                }
                return super.loadClass(className, resolve);
            }
        }
    }
}
