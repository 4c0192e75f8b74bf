package org.virtio.kvm.api;

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
}
