package org.virtio.demo;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.virtio.core.device.VirtioDeviceFactory;

/**
 * The demo as a DS component: once the rng {@link VirtioDeviceFactory} service is there, runs
 * {@link EntropyDemo} on its own thread (activation never blocks), prints the report to stdout (or the
 * error to stderr) and, when the framework property {@value DemoExit#EXIT_PROPERTY} is "true", ends the
 * process through {@link DemoExit}: status 0 after a report, 1 after a failure.
 */
@Component(immediate = true, service = {}, configurationPid = DemoConfig.PID)
@Designate(ocd = DemoConfig.class)
public final class EntropyDemoComponent {
    private static final long DEACTIVATE_WAIT_MS = 5_000;

    private final DemoExit exit;
    private final Thread worker;
    /** Set once the demo has printed its result; the worker then only ends the process. */
    private volatile boolean finished;

    /**
     * @param context the bundle context (framework properties, service registration)
     * @param config  how much entropy to ask for
     * @param factory the virtio-rng device factory
     */
    @Activate
    public EntropyDemoComponent(BundleContext context, DemoConfig config,
            @Reference(name = "rng", target = "(" + VirtioDeviceFactory.TYPE_PROPERTY + "=rng)") VirtioDeviceFactory factory) {
        DemoExit e = new DemoExit(context);
        exit = e.enabled() ? e : null;
        if (exit != null) {
            exit.register();
        }
        worker = Thread.ofPlatform().name("virtio-demo").daemon(true).unstarted(() -> runDemo(factory, config));
        worker.start();
    }

    private void runDemo(VirtioDeviceFactory factory, DemoConfig config) {
        int status;
        try {
            DemoReport report = new EntropyDemo(factory, config.bytesToRequest(), config.bufferSize()).run();
            System.out.print(report.format());
            System.out.flush();
            status = 0;
        } catch (RuntimeException e) {
            System.err.println("virtio demo FAILED: " + e.getMessage());
            e.printStackTrace(System.err);
            status = 1;
        }
        finished = true;
        if (exit != null) {
            exit.finish(status);
        }
    }

    /** Withdraws the exit service and interrupts a demo still running; never waits for the exit step. */
    @Deactivate
    void deactivate() {
        if (exit != null) {
            exit.close();
        }
        if (finished || Thread.currentThread() == worker) {
            return;
        }
        worker.interrupt();
        try {
            worker.join(DEACTIVATE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
