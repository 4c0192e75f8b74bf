package org.virtio.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

import org.virtio.core.device.VirtioDevice;
import org.virtio.core.device.VirtioDeviceFactory;
import org.virtio.device.blk.BlkDeviceFactory;
import org.virtio.device.input.InputConfig;
import org.virtio.device.input.InputDeviceFactory;
import org.virtio.device.net.NetDeviceFactory;
import org.virtio.device.rng.RngConfig;
import org.virtio.device.rng.RngDeviceFactory;
import org.virtio.vhost.user.api.VhostUserBackend;
import org.virtio.vhost.user.api.VhostUserBackends;

/**
 * {@code virtio-vmm vhost-user-backend}: serves one device over vhost-user on a unix socket until
 * SIGINT/SIGTERM, to a frontend such as QEMU ({@code -chardev socket,id=c,path=PATH -device
 * vhost-user-blk,chardev=c}).
 *
 * <pre>
 * virtio-vmm vhost-user-backend --socket PATH --device blk --path disk.img [--read-only] [--serial ID]
 * virtio-vmm vhost-user-backend --socket PATH --device rng [--source FILE]
 * virtio-vmm vhost-user-backend --socket PATH --device input [--events FIFO|unix:PATH] [--name NAME] [--serial ID]
 * virtio-vmm vhost-user-backend --socket PATH --device net (--tap IFNAME | --net-socket PATH --peer PATH) [--mac MAC] [--mtu N]
 * </pre>
 *
 * Prints one line on standard output saying where it listens. Exit status 1 for a bad command line or a
 * device that cannot be created (message on standard error), 0 after a signal stopped it.
 */
final class VhostUserBackendCommand {
    static final String NAME = "vhost-user-backend";
    static final String USAGE = """
            Usage: virtio-vmm vhost-user-backend --socket PATH --device blk --path IMAGE [--read-only] [--serial ID]
                   virtio-vmm vhost-user-backend --socket PATH --device rng [--source FILE]
                   virtio-vmm vhost-user-backend --socket PATH --device input [--events FIFO|unix:PATH] [--name NAME]
                   virtio-vmm vhost-user-backend --socket PATH --device net (--tap IFNAME | --net-socket PATH --peer PATH)
                                                  [--mac MAC] [--mtu N]

            Serves one virtio device over the vhost-user protocol on a unix socket (created with mode 0600),
            one frontend at a time (e.g. QEMU: -chardev socket,id=c0,path=PATH,reconnect=1
            -device vhost-user-blk,chardev=c0), until SIGINT or SIGTERM. Guest memory must be shared
            (-object memory-backend-memfd,share=on). Exit status 1 on bad arguments.
              --device blk   --path IMAGE   raw image file; --read-only; --serial ID (up to 20 ASCII chars)
              --device rng   --source FILE  entropy file such as /dev/urandom (default: SecureRandom)
              --device input --events       key commands from a FIFO/file or unix:SOCKET (see org.virtio.device.input);
                             --name, --serial  the keyboard's ID_NAME and ID_SERIAL
              --device net   --tap IFNAME   TAP interface; or --net-socket PATH --peer PATH (unix datagrams);
                             --mac 52:54:00:12:34:56, --mtu N
            """;

    private VhostUserBackendCommand() {
    }

    /** One device type: its options (name to whether it takes a value) and its factory. */
    private record DeviceKind(Map<String, Boolean> options, Supplier<VirtioDeviceFactory> factory) {
    }

    private static Map<String, DeviceKind> kinds() {
        Map<String, DeviceKind> k = new LinkedHashMap<>();
        k.put("blk", new DeviceKind(Map.of("--path", true, "--read-only", false, "--serial", true),
                BlkDeviceFactory::new));
        k.put("rng", new DeviceKind(Map.of("--source", true),
                () -> new RngDeviceFactory(MicroVm.defaults(RngConfig.class))));
        k.put("input", new DeviceKind(Map.of("--events", true, "--name", true, "--serial", true),
                () -> new InputDeviceFactory(MicroVm.defaults(InputConfig.class))));
        k.put("net", new DeviceKind(Map.of("--tap", true, "--net-socket", true, "--peer", true, "--mac", true,
                "--mtu", true), NetDeviceFactory::new));
        return k;
    }

    /** Device option to factory property key. */
    private static String propertyKey(String option) {
        return switch (option) {
            case "--path" -> "path";
            case "--read-only" -> "readOnly";
            case "--serial" -> "serial";
            case "--source" -> "source";
            case "--events" -> "events";
            case "--name" -> "deviceName";
            case "--tap" -> "tap";
            case "--net-socket" -> "socket";
            case "--peer" -> "peer";
            case "--mac" -> "mac";
            case "--mtu" -> "mtu";
            default -> throw new IllegalArgumentException(option);
        };
    }

    /**
     * @param args arguments after the subcommand name
     * @param out  the "listening" line
     * @param err  errors
     * @param stop counted down to stop (tests); null: run until the JVM is signalled
     * @return the exit status
     */
    static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop) {
        Path socket = null;
        String type = null;
        Map<String, String> options = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>(List.of(args));
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            if (a.equals("--help") || a.equals("-h")) {
                out.print(USAGE);
                out.flush();
                return Main.EXIT_OK;
            }
            boolean flag = a.equals("--read-only");
            if (!flag && value == null) {
                if (i + 1 >= rest.size()) {
                    return usage(err, a + " needs a value");
                }
                value = rest.get(++i);
            }
            switch (a) {
                case "--socket" -> {
                    if (socket != null) {
                        return usage(err, "--socket given twice");
                    }
                    if (value.isBlank()) {
                        return usage(err, "--socket needs a path");
                    }
                    socket = Path.of(value);
                }
                case "--device" -> {
                    if (type != null) {
                        return usage(err, "--device given twice");
                    }
                    type = value;
                }
                default -> {
                    if (!a.startsWith("--")) {
                        return usage(err, "unexpected argument: " + a);
                    }
                    if (options.put(a, flag ? (value == null ? "true" : value) : value) != null) {
                        return usage(err, a + " given twice");
                    }
                }
            }
        }
        if (socket == null) {
            return usage(err, "--socket is required");
        }
        if (type == null) {
            return usage(err, "--device is required (one of " + String.join(", ", kinds().keySet()) + ")");
        }
        DeviceKind kind = kinds().get(type);
        if (kind == null) {
            return usage(err, "unknown device type \"" + type + "\" (one of " + String.join(", ", kinds().keySet()) + ")");
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        for (Map.Entry<String, String> o : options.entrySet()) {
            if (!kind.options().containsKey(o.getKey())) {
                return usage(err, "option " + o.getKey() + " does not apply to --device " + type + " (options: "
                        + String.join(", ", kind.options().keySet()) + ")");
            }
            properties.put(propertyKey(o.getKey()), o.getValue());
        }
        return serve(socket, type, kind.factory().get(), properties, out, err, stop);
    }

    private static int serve(Path socket, String type, VirtioDeviceFactory factory, Map<String, Object> properties,
            PrintStream out, PrintStream err, CountDownLatch stop) {
        // Build one device now, so a bad option fails at start with its key named, not at the first connection.
        try {
            close(factory.create(properties));
        } catch (IllegalArgumentException e) {
            return error(err, "--device " + type + ": " + e.getMessage());
        }
        VhostUserBackend backend;
        try {
            backend = VhostUserBackends.start(socket, () -> factory.create(properties), type);
        } catch (IOException e) {
            return error(err, "cannot listen on " + socket + ": " + e.getMessage());
        }
        CountDownLatch done = stop != null ? stop : new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            backend.close();
            done.countDown();
        }, "virtio-vmm-vhost-user-shutdown");
        if (stop == null) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
        out.println(Main.NAME + ": vhost-user-backend " + type + " listening on " + backend.socketPath());
        out.flush();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            backend.close();
        }
        return Main.EXIT_OK;
    }

    private static void close(VirtioDevice device) {
        if (device instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // a probe device: nothing was done with it
            }
        }
    }

    private static int error(PrintStream err, String message) {
        err.println(Main.NAME + " " + NAME + ": error: " + message);
        err.flush();
        return Main.EXIT_ERROR;
    }

    private static int usage(PrintStream err, String message) {
        err.println(Main.NAME + " " + NAME + ": " + message);
        err.print(USAGE);
        err.flush();
        return Main.EXIT_ERROR;
    }
}
