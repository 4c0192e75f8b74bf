package org.virtio.demo;

import java.util.Hashtable;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;

/**
 * Ends the one-shot demo process with the demo's status (0 = entropy printed, 1 = failure), for the
 * exported runtime where the framework property {@value #EXIT_PROPERTY} is "true".
 *
 * <p>Why not simply stop bundle 0: the bnd launcher (7.3.0, inside the exported jar) treats a framework
 * that stops under its feet as an error and exits with status 117 ({@code LauncherConstants.STOPPED}).
 * Its orderly path is a {@code Callable<Integer>} service with {@code main.thread=true}: the launcher
 * calls it on the main thread, then stops the framework (bundle 0) itself and exits the JVM with the
 * returned value. This class is that service; {@link #call} returns once the demo has finished.
 *
 * <p>Under any other launcher nobody calls it, so {@link #finish} falls back to stopping bundle 0 and,
 * on failure, to {@code System.exit} after the framework has stopped — a generic launcher cannot learn
 * an exit status from a stopped framework. That is acceptable only because this bundle is a one-shot
 * demo; in a shared container (Karaf) leave {@value #EXIT_PROPERTY} unset.
 */
final class DemoExit implements Callable<Integer> {
    /** The framework property that turns process exit on. */
    static final String EXIT_PROPERTY = "virtio.demo.exit";
    /** How long {@link #finish} waits for a launcher to have called {@link #call}. */
    private static final long CLAIM_WAIT_MS = 2_000;
    private static final long STOP_WAIT_MS = 10_000;

    private final BundleContext context;
    private final CompletableFuture<Integer> status = new CompletableFuture<>();
    private final CountDownLatch claimed = new CountDownLatch(1);
    private ServiceRegistration<?> registration;

    /** @param context the demo bundle's context */
    DemoExit(BundleContext context) {
        this.context = context;
    }

    /** @return whether the framework property {@value #EXIT_PROPERTY} is "true" */
    boolean enabled() {
        return Boolean.parseBoolean(context.getProperty(EXIT_PROPERTY));
    }

    /** Offers {@link #call} to the launcher as the main-thread service. */
    void register() {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("main.thread", Boolean.TRUE);
        registration = context.registerService(Callable.class.getName(), this, props);
    }

    /**
     * Called by the bnd launcher on its main thread.
     *
     * @return the demo's exit status, once it is known
     */
    @Override
    public Integer call() throws InterruptedException, ExecutionException {
        claimed.countDown();
        return status.get();
    }

    /**
     * Hands the status to the launcher, or, when no launcher took the main-thread service, stops the
     * framework itself (and exits with {@code exitStatus} when it is not 0).
     *
     * @param exitStatus 0 for success
     */
    void finish(int exitStatus) {
        status.complete(exitStatus);
        try {
            if (claimed.await(CLAIM_WAIT_MS, TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_ID);
        try {
            system.stop();
            if (exitStatus != 0 && system instanceof Framework framework) {
                framework.waitForStop(STOP_WAIT_MS);
            }
        } catch (BundleException | IllegalStateException | InterruptedException e) {
            System.err.println("virtio demo: could not stop the framework: " + e);
        } finally {
            if (exitStatus != 0) {
                System.exit(exitStatus);
            }
        }
    }

    /** Withdraws the main-thread service and releases a launcher still waiting with status 1. */
    void close() {
        status.complete(1);
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // Already gone with the bundle.
            }
            registration = null;
        }
    }
}
