package org.virtio.launcher;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code virtio-vmm}: boots one VM from a Firecracker-format config file and prints the guest's serial
 * console (the 16550 at 0x3f8) on standard output.
 *
 * <pre>
 * virtio-vmm --config-file vm.json
 * virtio-vmm vhost-user-backend --socket PATH --device blk --path disk.img   (see {@link VhostUserBackendCommand})
 * virtio-vmm --help
 * </pre>
 *
 * <p>Exit status: {@value #EXIT_OK} when the guest resets the machine through the i8042 (Linux's
 * {@code reboot=k}; the launcher's orderly end, as in Firecracker), {@value #EXIT_ERROR} on any error — a
 * bad config (the message names the JSON key and why), a missing or unreadable file, KVM unavailable, a
 * kernel the loaders reject, a guest crash (triple fault) or vCPU failure, or an internal error — and
 * {@value #EXIT_USAGE} for a usage error. On SIGINT/SIGTERM a shutdown hook stops the vCPUs and the JVM
 * exits with the signal's status (130/143). Errors go to standard error as
 * {@code virtio-vmm: error: <message>}; standard output carries only the guest's console. A stack
 * trace is printed (to standard error) only for internal errors, which are bugs.
 */
public final class Main {
    /** The guest reset the machine through the i8042. */
    public static final int EXIT_OK = 0;
    /** Bad config, missing file, KVM unavailable, guest crash, internal error. */
    public static final int EXIT_ERROR = 1;
    /** Bad command line. */
    public static final int EXIT_USAGE = 2;

    static final String NAME = "virtio-vmm";
    static final String USAGE = """
            Usage: virtio-vmm --config-file <vm.json>
                   virtio-vmm vhost-user-backend --socket PATH --device TYPE [device options]  (see its --help)
                   virtio-vmm --help

            Boots a KVM virtual machine described by a Firecracker-format JSON config file (boot-source,
            machine-config, drives, entropy, and the extension key virtio-console) and prints the guest's
            serial console (16550 at 0x3f8) on standard output. Exits 0 when the guest resets the machine
            through the i8042 (e.g. Linux with reboot=k), 1 on any error, 2 on a usage error.
            See org.virtio.launcher/README.md for the keys.
            """;

    private Main() {
    }

    /**
     * Runs the launcher and exits the JVM with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, null));
    }

    /**
     * The launcher without {@link System#exit}: testable in-process.
     *
     * @param args    the command line
     * @param out     the guest's serial console goes here (flushed on every write)
     * @param err     error messages go here
     * @param timeout the longest guest run, or null for none (a timeout ends with status 1)
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err, Duration timeout) {
        if (args.length > 0 && args[0].equals(VhostUserBackendCommand.NAME)) {
            return VhostUserBackendCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err, null);
        }
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                out.print(USAGE);
                out.flush();
                return EXIT_OK;
            } else if (a.equals("--config-file")) {
                if (i + 1 >= args.length) {
                    return usage(err, "--config-file needs a file name");
                }
                if (configFile != null) {
                    return usage(err, "--config-file given twice");
                }
                configFile = Path.of(args[++i]);
            } else if (a.startsWith("--config-file=")) {
                if (configFile != null) {
                    return usage(err, "--config-file given twice");
                }
                configFile = Path.of(a.substring("--config-file=".length()));
            } else {
                return usage(err, "unknown argument: " + a);
            }
        }
        if (configFile == null) {
            return usage(err, "--config-file is required");
        }
        try {
            return launch(configFile, out, err, timeout);
        } catch (RuntimeException | Error e) {
            err.println(NAME + ": internal error: " + e);
            e.printStackTrace(err);
            return EXIT_ERROR;
        }
    }

    private static int launch(Path configFile, PrintStream out, PrintStream err, Duration timeout) {
        String json;
        try {
            json = Files.readString(configFile);
        } catch (NoSuchFileException e) {
            return error(err, "config file not found: " + configFile);
        } catch (AccessDeniedException e) {
            return error(err, "config file not readable (permission denied): " + configFile);
        } catch (IOException e) {
            return error(err, "cannot read config file " + configFile + ": " + e);
        }
        VmConfig config;
        try {
            config = VmConfigParser.parse(json, Path.of(""));
        } catch (ConfigException e) {
            return error(err, configFile + ": " + e.getMessage());
        }
        OutputStream console = new OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
                out.flush();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, len);
                out.flush();
            }
        };
        try (MicroVm vm = MicroVm.create(config, console)) {
            Thread hook = new Thread(vm::stop, "virtio-vmm-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            MicroVm.Outcome outcome;
            try {
                outcome = vm.run(timeout);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is exiting (SIGINT): the hook has run
                }
            }
            out.flush();
            return switch (outcome.kind()) {
                case RESET -> EXIT_OK;
                case STOPPED -> error(err, "the VM was stopped before the guest reset it");
                case FAILED -> error(err, "the guest failed: " + outcome.message());
                case TIMEOUT -> error(err, outcome.message());
            };
        } catch (LaunchException e) {
            return error(err, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(err, "interrupted");
        }
    }

    private static int error(PrintStream err, String message) {
        err.println(NAME + ": error: " + message);
        err.flush();
        return EXIT_ERROR;
    }

    private static int usage(PrintStream err, String message) {
        err.println(NAME + ": " + message);
        err.print(USAGE);
        err.flush();
        return EXIT_USAGE;
    }
}
