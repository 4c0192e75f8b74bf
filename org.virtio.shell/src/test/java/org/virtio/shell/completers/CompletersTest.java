package org.virtio.shell.completers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.karaf.shell.api.console.CommandLine;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.shell.testing.FakeVmManager;
import org.virtio.vmm.api.DeviceInfo.Status;
import org.virtio.vmm.api.VmState;

/** The completers offer VM names, the named VM's device names, registered device types and factory bundles. */
class CompletersTest {
    private final FakeVmManager manager = new FakeVmManager().vm("demo", VmState.RUNNING).vm("dev", VmState.DEFINED)
            .device("demo", "disk0", "blk", Status.ATTACHED).device("demo", "rng0", "rng", Status.ATTACHED)
            .device("dev", "con0", "console", Status.READY);

    /** A command line whose last word (being typed) is {@code words[words.length - 1]}. */
    private static CommandLine line(String... words) {
        String buffer = String.join(" ", words);
        return new CommandLine() {
            public int getCursorArgumentIndex() { return words.length - 1; }
            public String getCursorArgument() { return words[words.length - 1]; }
            public int getArgumentPosition() { return words[words.length - 1].length(); }
            public String[] getArguments() { return words; }
            public int getBufferPosition() { return buffer.length(); }
            public String getBuffer() { return buffer; }
        };
    }

    private static List<String> stripped(List<String> candidates) {
        return candidates.stream().map(String::strip).sorted().toList();
    }

    @Test
    void vmNames() {
        VmNameCompleter completer = new VmNameCompleter();
        completer.manager = manager;
        List<String> candidates = new ArrayList<>();
        completer.complete(null, line("vm:start", "de"), candidates);
        assertEquals(List.of("demo", "dev"), stripped(candidates));
        candidates.clear();
        completer.complete(null, line("vm:start", "dem"), candidates);
        assertEquals(List.of("demo"), stripped(candidates));
    }

    @Test
    void deviceNamesOfTheVmBefore() {
        DeviceNameCompleter completer = new DeviceNameCompleter();
        completer.manager = manager;
        List<String> candidates = new ArrayList<>();
        completer.complete(null, line("device:stats", "demo", ""), candidates);
        assertEquals(List.of("disk0", "rng0"), stripped(candidates));
        candidates.clear();
        completer.complete(null, line("device:stats", "nope", ""), candidates);
        assertEquals(List.of(), candidates);
        candidates.clear();
        completer.complete(null, line("con"), candidates); // Karaf checking an earlier word on its own
        assertEquals(List.of("con0"), stripped(candidates));
    }

    @Test
    void deviceTypesOfTheRegisteredFactories() {
        DeviceTypeCompleter completer = new DeviceTypeCompleter();
        completer.context = context(Map.of("blk", 57L, "rng", 58L));
        List<String> candidates = new ArrayList<>();
        completer.complete(null, line("device:add", "demo", ""), candidates);
        assertEquals(List.of("blk", "rng"), stripped(candidates));
    }

    @Test
    void swapBundlesRegisteringAFactoryOfTheDevicesType() {
        DeviceBundleCompleter completer = new DeviceBundleCompleter();
        completer.context = context(Map.of("blk", 57L, "rng", 58L));
        completer.manager = manager;
        List<String> candidates = new ArrayList<>();
        completer.complete(null, line("device:swap", "demo", "disk0", ""), candidates);
        assertEquals(List.of("57", "org.virtio.device.blk"), stripped(candidates));
    }

    /** A bundle context whose only services are device factories of these types, each from its own bundle. */
    private static BundleContext context(Map<String, Long> typeToBundle) {
        List<ServiceReference<?>> references = new ArrayList<>();
        typeToBundle.forEach((type, id) -> {
            Bundle bundle = proxy(Bundle.class, Map.of("getBundleId", id, "getSymbolicName", "org.virtio.device." + type));
            references.add(proxy(ServiceReference.class, Map.of("getBundle", bundle, "getProperty", type)));
        });
        return (BundleContext) Proxy.newProxyInstance(CompletersTest.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (p, method, args) -> {
                    if (method.getName().equals("getServiceReferences") && VirtioDeviceFactory.class.getName().equals(args[0])) {
                        return references.toArray(new ServiceReference<?>[0]);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** A proxy answering the named no-argument methods (getProperty answers only the device type key). */
    private static <T> T proxy(Class<T> type, Map<String, Object> answers) {
        return type.cast(Proxy.newProxyInstance(CompletersTest.class.getClassLoader(), new Class<?>[] {type},
                (p, method, args) -> {
                    if (method.getName().equals("getProperty")) {
                        return VirtioDeviceFactory.TYPE_PROPERTY.equals(args[0]) ? answers.get("getProperty") : null;
                    }
                    if (answers.containsKey(method.getName())) {
                        return answers.get(method.getName());
                    }
                    throw new UnsupportedOperationException(method.getName());
                }));
    }
}
