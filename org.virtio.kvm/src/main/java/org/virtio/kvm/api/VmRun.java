package org.virtio.kvm.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** A run of a {@link KvmVm}: its vCPU threads from {@link KvmVm#start} until every one has ended. */
@ProviderType
public interface VmRun {
    /**
     * Asks every vCPU to stop and returns at once; a vCPU inside KVM_RUN is interrupted. Safe from any
     * thread, including a handler running on a vCPU thread. A second call does nothing.
     */
    void stop();

    /** @return whether some vCPU thread of this run has not ended yet */
    boolean isRunning();

    /**
     * Waits for every vCPU thread to end.
     *
     * @param timeout the longest wait
     * @return why the VM stopped — the first stop that was not a HLT (a failure, SHUTDOWN or a stop
     *         request), else the last HLT — or empty when the timeout passed first
     * @throws InterruptedException when the waiting thread is interrupted
     */
    Optional<VcpuStop> await(Duration timeout) throws InterruptedException;

    /** @return the stops of the vCPUs that have ended so far, in the order they ended */
    List<VcpuStop> vcpuStops();
}
