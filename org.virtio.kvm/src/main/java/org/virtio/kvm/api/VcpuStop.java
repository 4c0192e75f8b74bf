package org.virtio.kvm.api;

/**
 * How one vCPU's run loop ended.
 *
 * @param vcpu    the vCPU id
 * @param reason  why it ended
 * @param message a description naming the KVM exit and, for every reason but {@link Reason#STOPPED},
 *                the vCPU registers (rip, rsp, cr0, cr3, cr4, efer, cs)
 */
public record VcpuStop(int vcpu, Reason reason, String message) {

    /** Why a vCPU's run loop ended. */
    public enum Reason {
        /** KVM_EXIT_HLT: the guest halted (only exits to the VMM without an in-kernel irqchip). */
        HALTED(false),
        /** KVM_EXIT_SHUTDOWN: a triple fault or a guest reset; stops the VM. */
        SHUTDOWN(false),
        /** {@link VmRun#stop()} was called, or another vCPU's failure stopped the VM. */
        STOPPED(false),
        /** KVM_EXIT_FAIL_ENTRY: the hardware refused to enter the guest; stops the VM. */
        FAIL_ENTRY(true),
        /** KVM_EXIT_INTERNAL_ERROR: KVM could not go on (for example an instruction it cannot emulate); stops the VM. */
        INTERNAL_ERROR(true),
        /** KVM reported an exit this run loop does not handle; stops the VM. */
        UNHANDLED_EXIT(true),
        /** A {@link PortIoHandler} or {@link MmioHandler} threw; stops the VM. */
        HANDLER_FAILED(true),
        /** KVM_RUN itself failed (an errno other than EINTR), or the vCPU thread could not be set up; stops the VM. */
        RUN_FAILED(true);

        private final boolean failure;

        Reason(boolean failure) {
            this.failure = failure;
        }

        /** @return whether this reason is an error rather than an orderly end */
        public boolean failure() {
            return failure;
        }
    }

    /** @return whether the vCPU ended with an error */
    public boolean failed() {
        return reason.failure();
    }
}
