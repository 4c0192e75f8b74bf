package org.virtio.vmm.machine;

import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;

/** Configuration annotation instances whose methods return their declared defaults (device factories outside DS). */
public final class Defaults {
    private Defaults() {
    }

    /** @param type a configuration annotation type  @return an instance answering every method with its default */
    @SuppressWarnings("unchecked")
    public static <A extends Annotation> A of(Class<A> type) {
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) ->
                switch (method.getName()) {
                    case "annotationType" -> type;
                    case "toString" -> "defaults of " + type.getName();
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> method.getDefaultValue();
                });
    }
}
