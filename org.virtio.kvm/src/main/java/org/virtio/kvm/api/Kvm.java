package org.virtio.kvm.api;

import java.nio.file.Path;

import org.osgi.annotation.versioning.ProviderType;
import org.virtio.kvm.internal.KvmSystem;

/**
 * An open KVM device ({@code /dev/kvm}). VMs created from it stay usable after it is closed.
 */
@ProviderType
public interface Kvm extends AutoCloseable {
    /** The standard KVM device. */
    Path DEVICE = Path.of("/dev/kvm");

    /**
     * Opens {@link #DEVICE} and checks that KVM_GET_API_VERSION is 12.
     *
     * @return the open device
     * @throws KvmException {@link KvmError#KVM_MISSING} or {@link KvmError#KVM_ACCESS_DENIED} naming the
     *                      device when it cannot be opened, {@link KvmError#API_VERSION} on another API
     */
    static Kvm open() throws KvmException {
        return open(DEVICE);
    }

    /**
     * @param device the KVM device file
     * @return the open device
     * @throws KvmException as {@link #open()}
     */
    static Kvm open(Path device) throws KvmException {
        return KvmSystem.open(device);
    }

    /** @return KVM_GET_API_VERSION (always 12 on an open device) */
    int apiVersion();

    /** @return KVM_GET_VCPU_MMAP_SIZE: the bytes of each vCPU's shared kvm_run area */
    int vcpuMmapSize();

    /** @return the most vCPUs one VM may have (KVM_CAP_MAX_VCPUS, else KVM_CAP_NR_VCPUS) */
    int maxVcpus();

    /**
     * The MSRs KVM saves and restores for a vCPU on this host (KVM_GET_MSR_INDEX_LIST): what
     * {@link KvmVcpu#getMsrs(int...)} can read, plus the emulated ones.
     *
     * @return the MSR indices, in KVM's order
     * @throws KvmException when KVM refuses or the device is closed
     */
    int[] msrIndexList() throws KvmException;

    /**
     * @return a new, empty VM (KVM_CREATE_VM): no memory, no vCPUs
     * @throws KvmException when KVM refuses
     */
    KvmVm createVm() throws KvmException;

    /** Closes the device descriptor; VMs already created are not affected. */
    @Override
    void close();
}
