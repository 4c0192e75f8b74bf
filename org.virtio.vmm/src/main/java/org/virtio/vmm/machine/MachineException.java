package org.virtio.vmm.machine;

import java.io.Serial;

/**
 * A machine could not be built or changed. {@link #subject()} says which input was wrong, so callers can
 * name their own configuration key (the launcher's JSON keys, the manager's {@code .cfg} keys); the
 * message is {@code <subject>: <detail>}, or just the detail for {@link Subject#KVM} and {@link Subject#MACHINE}.
 */
public class MachineException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The input a failure is about. */
    public enum Subject {
        /** The kernel image (unreadable, not ELF/bzImage, rejected by the loader). */
        KERNEL,
        /** The initrd (unreadable). */
        INITRD,
        /** Guest RAM size (out of range, cannot be allocated, too small for the boot data). */
        MEMORY,
        /** The vCPU count. */
        VCPUS,
        /** A device: its name, a window, attach/detach/swap. */
        DEVICE,
        /** /dev/kvm itself is unavailable. */
        KVM,
        /** The machine as a whole (state, KVM refusing an operation). */
        MACHINE
    }

    private final Subject subject;
    private final String detail;

    /**
     * @param subject what was wrong
     * @param detail  the reason, without the subject
     */
    public MachineException(Subject subject, String detail) {
        this(subject, detail, null);
    }

    /**
     * @param subject what was wrong
     * @param detail  the reason, without the subject
     * @param cause   the underlying failure
     */
    public MachineException(Subject subject, String detail, Throwable cause) {
        super(subject == Subject.KVM || subject == Subject.MACHINE ? detail
                : subject.name().toLowerCase(java.util.Locale.ROOT) + ": " + detail, cause);
        this.subject = subject;
        this.detail = detail;
    }

    /** @return what was wrong */
    public Subject subject() {
        return subject;
    }

    /** @return the reason, without the subject */
    public String detail() {
        return detail;
    }
}
