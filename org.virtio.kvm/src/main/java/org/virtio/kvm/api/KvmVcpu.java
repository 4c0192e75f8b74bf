package org.virtio.kvm.api;

import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A vCPU of a {@link KvmVm}. Its registers can be read and set only while the VM is not running; it
 * runs through {@link KvmVm#start} and is closed with its VM.
 */
@ProviderType
public interface KvmVcpu {
    /** @return the vCPU id given at creation */
    int id();

    /**
     * @return the general-purpose registers (KVM_GET_REGS)
     * @throws KvmException when KVM refuses, the VM runs or is closed
     */
    Registers registers() throws KvmException;

    /**
     * @param registers the new general-purpose registers (KVM_SET_REGS)
     * @throws KvmException when KVM refuses, the VM runs or is closed
     */
    void setRegisters(Registers registers) throws KvmException;

    /**
     * @return the segment, descriptor-table and control registers (KVM_GET_SREGS)
     * @throws KvmException when KVM refuses, the VM runs or is closed
     */
    SpecialRegisters specialRegisters() throws KvmException;

    /**
     * Sets the special registers (KVM_SET_SREGS); the pending-interrupt bitmap is kept as it is.
     *
     * @param registers the new special registers
     * @throws KvmException when KVM refuses (for example EINVAL for an inconsistent CR0/CR4/EFER), the VM
     *                      runs or is closed
     */
    void setSpecialRegisters(SpecialRegisters registers) throws KvmException;

    /**
     * Reads model-specific registers (KVM_GET_MSRS).
     *
     * @param indices the MSR indices, for example from {@link Kvm#msrIndexList()} or {@link BootMsrs}
     * @return index → value, in the order asked (a repeated index appears once)
     * @throws KvmException {@link KvmError#MSR_REFUSED} naming the first MSR KVM could not read (KVM stops
     *                      at it and returns how many it read), {@link KvmError#INVALID_ARGUMENT} for no
     *                      indices, or when KVM refuses, the VM runs or is closed
     */
    Map<Integer, Long> getMsrs(int... indices) throws KvmException;

    /**
     * Writes model-specific registers (KVM_SET_MSRS), in the map's iteration order.
     *
     * @param values index → value
     * @throws KvmException {@link KvmError#MSR_REFUSED} naming the first MSR KVM did not accept (KVM stops at
     *                      it: the ones before it are set), {@link KvmError#INVALID_ARGUMENT} for an empty
     *                      map, or when KVM refuses, the VM runs or is closed
     */
    void setMsrs(Map<Integer, Long> values) throws KvmException;
}
