package org.virtio.karaf.jdk25;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.jar.JarFile;

/**
 * Entry point of the java agent ({@code -javaagent:lib/boot/org.virtio.karaf.jdk25.jar}) that lets unmodified
 * Karaf 4.4 run on JDK 25 without a Security Manager.
 *
 * <p>Why a {@code premain}: the calls to patch live in Karaf bundles loaded long after start, by many class
 * loaders; a transformer registered before {@code main} sees every one of them.
 */
public final class SubjectAgent {

    private SubjectAgent() {
    }

    /**
     * Appends this jar to the boot class path (so {@code com.sun.virtio.karaf.jdk25.SubjectBridge} is one
     * class shared by all bundles through Karaf's {@code com.sun.*} boot delegation) and registers the
     * {@link SubjectCallTransformer}.
     *
     * @param args agent arguments, unused
     * @param instrumentation the JVM's instrumentation
     * @throws IOException if the agent's own jar cannot be opened
     */
    public static void premain(String args, Instrumentation instrumentation) throws IOException {
        instrumentation.appendToBootstrapClassLoaderSearch(new JarFile(ownJar().toFile()));
        SubjectCallTransformer transformer = new SubjectCallTransformer();
        transformer.warmUp();
        instrumentation.addTransformer(transformer);
    }

    private static Path ownJar() throws IOException {
        try {
            return Path.of(SubjectAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IOException("cannot locate the agent jar", e);
        }
    }
}
