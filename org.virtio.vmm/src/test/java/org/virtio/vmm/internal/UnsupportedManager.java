package org.virtio.vmm.internal;

import java.io.OutputStream;
import java.util.List;
import java.util.Map;

import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.SwapInfo;
import org.virtio.vmm.api.VmException;
import org.virtio.vmm.api.VmInfo;
import org.virtio.vmm.api.VmManager;

/** A VmManager whose every method fails: tests override what they use. */
class UnsupportedManager implements VmManager {
    private static VmException no() {
        return new VmException("not supported in this test");
    }

    @Override
    public List<VmInfo> list() {
        return List.of();
    }

    @Override
    public VmInfo info(String vm) throws VmException {
        throw no();
    }

    @Override
    public VmInfo create(String vm, Map<String, ?> properties) throws VmException {
        throw no();
    }

    @Override
    public void remove(String vm) throws VmException {
        throw no();
    }

    @Override
    public VmInfo start(String vm) throws VmException {
        throw no();
    }

    @Override
    public VmInfo stop(String vm) throws VmException {
        throw no();
    }

    @Override
    public VmInfo pause(String vm) throws VmException {
        throw no();
    }

    @Override
    public VmInfo resume(String vm) throws VmException {
        throw no();
    }

    @Override
    public List<DeviceInfo> devices(String vm) throws VmException {
        throw no();
    }

    @Override
    public DeviceInfo device(String vm, String device) throws VmException {
        throw no();
    }

    @Override
    public DeviceInfo addDevice(String vm, String device, String type, Map<String, ?> properties) throws VmException {
        throw no();
    }

    @Override
    public void removeDevice(String vm, String device) throws VmException {
        throw no();
    }

    @Override
    public SwapInfo swapDevice(String vm, String device, String implementation) throws VmException {
        throw no();
    }

    @Override
    public AutoCloseable attachConsole(String vm, OutputStream out) throws VmException {
        throw no();
    }

    @Override
    public int sendConsoleInput(String vm, byte[] bytes) throws VmException {
        throw no();
    }

    @Override
    public List<String> configErrors() {
        return List.of();
    }
}
