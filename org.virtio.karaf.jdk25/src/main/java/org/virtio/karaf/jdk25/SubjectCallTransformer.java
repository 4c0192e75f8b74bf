package org.virtio.karaf.jdk25;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.lang.classfile.Opcode;
import java.lang.classfile.constantpool.MethodRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.instrument.ClassFileTransformer;
import java.nio.charset.StandardCharsets;
import java.security.ProtectionDomain;

/**
 * Rewrites class files so that Karaf 4.4 keeps its JAAS subject on JDK 24+, using only the JDK's
 * {@code java.lang.classfile} API.
 *
 * <p>Two rewrites, each for a JDK change Karaf has not caught up with:
 * <ul>
 * <li>every {@code invokestatic javax/security/auth/Subject.getSubject(AccessControlContext)} in any class
 *     becomes {@code invokestatic com/sun/virtio/karaf/jdk25/SubjectBridge.getSubject} — same descriptor, so
 *     the stack shape is unchanged (the JDK method throws {@link UnsupportedOperationException} now);</li>
 * <li>the bodies of {@code org.apache.karaf.util.jaas.JaasHelper.doAs(Subject, PrivilegedAction)} and
 *     {@code doAs(Subject, PrivilegedExceptionAction)} (a copy of that class is embedded in several Karaf
 *     bundles) become a call to the bridge's {@code doAs}: theirs pushes the subject into an
 *     {@code AccessControlContext}, which carries nothing without a Security Manager.</li>
 * </ul>
 * Classes of the boot loader (the JDK) are left alone; a class that cannot be rewritten is left as it was and
 * reported on standard error.
 */
public final class SubjectCallTransformer implements ClassFileTransformer {

    /** Internal name of the bridge the rewritten code calls. */
    public static final String BRIDGE = "com/sun/virtio/karaf/jdk25/SubjectBridge";
    /** Internal name of Karaf's helper whose {@code doAs} bodies are replaced. */
    public static final String JAAS_HELPER = "org/apache/karaf/util/jaas/JaasHelper";

    private static final String SUBJECT = "javax/security/auth/Subject";
    private static final ClassDesc CD_SUBJECT = ClassDesc.ofInternalName(SUBJECT);
    private static final ClassDesc CD_BRIDGE = ClassDesc.ofInternalName(BRIDGE);
    private static final MethodTypeDesc GET_SUBJECT =
            MethodTypeDesc.of(CD_SUBJECT, ClassDesc.of("java.security.AccessControlContext"));
    private static final MethodTypeDesc DO_AS = MethodTypeDesc.of(ClassDesc.of("java.lang.Object"), CD_SUBJECT,
            ClassDesc.of("java.security.PrivilegedAction"));
    private static final MethodTypeDesc DO_AS_EXCEPTION = MethodTypeDesc.of(ClassDesc.of("java.lang.Object"),
            CD_SUBJECT, ClassDesc.of("java.security.PrivilegedExceptionAction"));
    /** Cheap pre-filter: a class that calls getSubject has this name in its constant pool. */
    private static final byte[] MARKER = "getSubject".getBytes(StandardCharsets.US_ASCII);
    private static final boolean VERBOSE = Boolean.getBoolean("org.virtio.karaf.jdk25.verbose");

    private static final CodeTransform REWRITE_CALLS = (code, element) -> {
        if (isGetSubjectCall(element)) {
            code.invokestatic(CD_BRIDGE, "getSubject", GET_SUBJECT);
        } else {
            code.with(element);
        }
    };

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined,
            ProtectionDomain domain, byte[] bytes) {
        if (loader == null || className == null || className.startsWith("com/sun/virtio/karaf/jdk25/")) {
            return null;
        }
        try {
            byte[] result = rewrite(loader, className, bytes);
            if (result != null && VERBOSE) {
                System.err.println("[org.virtio.karaf.jdk25] rewrote " + className);
            }
            return result;
        } catch (RuntimeException | LinkageError e) {
            System.err.println("[org.virtio.karaf.jdk25] left " + className + " unchanged: " + e);
            return null;
        }
    }

    /**
     * Rewrites one class file.
     *
     * @param loader the loader defining the class, used to read supertypes when stack maps are recomputed
     * @param className the internal name of the class
     * @param bytes the class file
     * @return the rewritten class file, or {@code null} when the class needs no change
     */
    public byte[] rewrite(ClassLoader loader, String className, byte[] bytes) {
        boolean helper = JAAS_HELPER.equals(className);
        if (!helper && indexOf(bytes, MARKER) < 0) {
            return null;
        }
        ClassHierarchyResolver resolver = ClassHierarchyResolver.defaultResolver();
        if (loader != null) {
            resolver = resolver.orElse(ClassHierarchyResolver.ofResourceParsing(loader));
        }
        ClassFile classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(resolver));
        ClassModel model = classFile.parse(bytes);
        if (!helper && !referencesGetSubject(model)) {
            return null;
        }
        return classFile.transformClass(model, (builder, element) -> {
            if (element instanceof MethodModel method) {
                if (helper && isDoAs(method)) {
                    builder.transformMethod(method, bridgeDoAs(method.methodTypeSymbol()));
                    return;
                }
                if (callsGetSubject(method)) {
                    builder.transformMethod(method, MethodTransform.transformingCode(REWRITE_CALLS));
                    return;
                }
            }
            builder.with(element);
        });
    }

    /**
     * Loads and exercises the class-file API once before the transformer is registered (no circularity).
     * Public: after {@code premain} appends the jar to the boot class path this class is the boot loader's.
     */
    public void warmUp() {
        try (InputStream in = SubjectCallTransformer.class.getResourceAsStream("WarmUp.class")) {
            if (in != null) {
                rewrite(SubjectCallTransformer.class.getClassLoader(), "org/virtio/karaf/jdk25/WarmUp",
                        in.readAllBytes());
            }
        } catch (IOException e) {
            System.err.println("[org.virtio.karaf.jdk25] warm-up failed: " + e);
        }
    }

    private static MethodTransform bridgeDoAs(MethodTypeDesc type) {
        return (method, element) -> {
            if (element instanceof CodeModel) {
                method.withCode(code -> code.aload(0).aload(1).invokestatic(CD_BRIDGE, "doAs", type).areturn());
            } else {
                method.with(element);
            }
        };
    }

    private static boolean isDoAs(MethodModel method) {
        MethodTypeDesc type = method.methodTypeSymbol();
        return method.methodName().equalsString("doAs") && (method.flags().flagsMask() & ClassFile.ACC_STATIC) != 0
                && (type.equals(DO_AS) || type.equals(DO_AS_EXCEPTION));
    }

    private static boolean callsGetSubject(MethodModel method) {
        return method.code().map(code -> code.elementStream().anyMatch(SubjectCallTransformer::isGetSubjectCall))
                .orElse(false);
    }

    private static boolean isGetSubjectCall(CodeElement element) {
        return element instanceof InvokeInstruction call && call.opcode() == Opcode.INVOKESTATIC
                && call.owner().asInternalName().equals(SUBJECT) && call.name().equalsString("getSubject")
                && call.typeSymbol().equals(GET_SUBJECT);
    }

    private static boolean referencesGetSubject(ClassModel model) {
        for (PoolEntry entry : model.constantPool()) {
            if (entry instanceof MethodRefEntry ref && ref.owner().asInternalName().equals(SUBJECT)
                    && ref.name().equalsString("getSubject")) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
