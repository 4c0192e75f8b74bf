package org.virtio.kvm.api;

/** Why a KVM operation failed; the constant's text starts every {@link KvmException} message. */
public enum KvmError {
    /** The device file does not exist: no KVM in this kernel, or the device is not exposed here. */
    KVM_MISSING("KVM is not available: the device file does not exist (no KVM module loaded, or not exposed to this container)"),
    /** The device exists but this process may not open it. */
    KVM_ACCESS_DENIED("KVM is not accessible: permission denied opening the device (add the user to the kvm group)"),
    /** Opening the device failed for another reason. */
    KVM_OPEN_FAILED("opening the KVM device failed"),
    /** KVM_GET_API_VERSION did not report the stable API (12). */
    API_VERSION("unsupported KVM API version (expected 12)"),
    /** A KVM ioctl returned an error. */
    IOCTL_FAILED("KVM ioctl failed"),
    /** A system call other than an ioctl (mmap, eventfd, poll, read, write) failed. */
    SYSCALL_FAILED("system call failed"),
    /** KVM_GET_MSRS or KVM_SET_MSRS processed fewer MSRs than asked: KVM does not know or accept one. */
    MSR_REFUSED("KVM refused an MSR"),
    /** An argument was rejected before it reached KVM. */
    INVALID_ARGUMENT("invalid argument"),
    /** The call is not allowed in the current state (closed, running, missing prerequisite). */
    INVALID_STATE("invalid state");

    private final String text;

    KvmError(String text) {
        this.text = text;
    }

    /** @return the human-readable description */
    public String text() {
        return text;
    }
}
