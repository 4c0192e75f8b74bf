package org.virtio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** The bnd launcher side of {@link DemoExit}: the main-thread service returns the demo's status. */
class DemoExitTest {
    private final List<Dictionary<?, ?>> registered = new ArrayList<>();
    private final List<String> unregistered = new ArrayList<>();

    private BundleContext context(String exitProperty) {
        ServiceRegistration<?> reg = (ServiceRegistration<?>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServiceRegistration.class}, (p, m, a) -> {
                    if (m.getName().equals("unregister")) {
                        unregistered.add("unregister");
                    }
                    return null;
                });
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getProperty" -> DemoExit.EXIT_PROPERTY.equals(a[0]) ? exitProperty : null;
                    case "registerService" -> {
                        assertEquals(Callable.class.getName(), a[0]);
                        registered.add((Dictionary<?, ?>) a[2]);
                        yield reg;
                    }
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void enabledOnlyWhenPropertyIsTrue() {
        assertTrue(new DemoExit(context("true")).enabled());
        assertFalse(new DemoExit(context("false")).enabled());
        assertFalse(new DemoExit(context(null)).enabled());
    }

    @Test
    void registersAsMainThreadCallableAndTheLauncherGetsTheStatus() throws Exception {
        DemoExit exit = new DemoExit(context("true"));
        exit.register();
        assertEquals(Boolean.TRUE, registered.get(0).get("main.thread"));
        // The bnd launcher checks the declared return type of call() is Integer.
        assertEquals(Integer.class, exit.getClass().getMethod("call").getReturnType());
        CompletableFuture<Integer> launcher = CompletableFuture.supplyAsync(() -> {
            try {
                return exit.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        assertFalse(launcher.isDone(), "call() must wait for the demo");
        exit.finish(1);
        assertEquals(1, launcher.get(5, TimeUnit.SECONDS));
        exit.close();
        assertEquals(List.of("unregister"), unregistered);
    }

    @Test
    void closeReleasesAWaitingLauncherWithFailure() throws Exception {
        DemoExit exit = new DemoExit(context("true"));
        exit.register();
        CompletableFuture<Integer> launcher = CompletableFuture.supplyAsync(() -> {
            try {
                return exit.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        exit.close();
        assertEquals(1, launcher.get(5, TimeUnit.SECONDS));
    }
}
