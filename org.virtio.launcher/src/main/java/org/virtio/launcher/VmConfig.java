package org.virtio.launcher;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated VM configuration, read from a Firecracker-format JSON file by {@link VmConfigParser}.
 * Paths are absolute; every value has been range-checked.
 *
 * @param bootSource the kernel, its command line and the initrd ({@code boot-source})
 * @param machine    vCPUs and memory ({@code machine-config})
 * @param drives     block devices ({@code drives}), in file order
 * @param entropy    a virtio-rng device when {@code entropy} is present
 * @param console    a virtio-console device when the extension key {@code virtio-console} is present
 */
public record VmConfig(BootSource bootSource, MachineConfig machine, List<Drive> drives, Optional<Entropy> entropy,
        Optional<Console> console) {

    /** Copies the list; checks for nulls. */
    public VmConfig {
        Objects.requireNonNull(bootSource);
        Objects.requireNonNull(machine);
        drives = List.copyOf(drives);
        Objects.requireNonNull(entropy);
        Objects.requireNonNull(console);
    }

    /** @return how many virtio-mmio devices the VM gets */
    public int deviceCount() {
        return drives.size() + (entropy.isPresent() ? 1 : 0) + (console.isPresent() ? 1 : 0);
    }

    /**
     * {@code boot-source}.
     *
     * @param kernelImagePath an ELF kernel with the Xen PVH note, or a bzImage
     * @param bootArgs        the kernel command line before the launcher appends the devices
     * @param initrdPath      the initrd, if any
     */
    public record BootSource(Path kernelImagePath, String bootArgs, Optional<Path> initrdPath) {
        /** Checks for nulls. */
        public BootSource {
            Objects.requireNonNull(kernelImagePath);
            Objects.requireNonNull(bootArgs);
            Objects.requireNonNull(initrdPath);
        }
    }

    /**
     * {@code machine-config}.
     *
     * @param vcpuCount  1 to {@link VmConfigParser#MAX_VCPUS}
     * @param memSizeMib 1 to {@link VmConfigParser#MAX_MEM_SIZE_MIB}
     */
    public record MachineConfig(int vcpuCount, int memSizeMib) {
        /** @return the guest RAM size in bytes */
        public long memBytes() {
            return (long) memSizeMib << 20;
        }
    }

    /**
     * One element of {@code drives}: a virtio-blk device over a raw image.
     *
     * @param driveId    unique among the drives; names the device in log lines
     * @param pathOnHost the raw image
     * @param readOnly   {@code is_read_only}
     * @param rootDevice {@code is_root_device}: {@code root=/dev/vda} is appended to the command line
     */
    public record Drive(String driveId, Path pathOnHost, boolean readOnly, boolean rootDevice) {
        /** Checks for nulls. */
        public Drive {
            Objects.requireNonNull(driveId);
            Objects.requireNonNull(pathOnHost);
        }
    }

    /** {@code entropy}: a virtio-rng device fed by {@link java.security.SecureRandom}. */
    public record Entropy() {
    }

    /**
     * The extension key {@code virtio-console} (not in Firecracker): a virtio-console device, port 0.
     *
     * @param output {@code "stdout"} or an absolute file path the guest's output is appended to
     * @param input  {@code "stdin"} (only with output {@code "stdout"}) or {@code "none"}
     */
    public record Console(String output, String input) {
        /** Checks for nulls. */
        public Console {
            Objects.requireNonNull(output);
            Objects.requireNonNull(input);
        }
    }
}
