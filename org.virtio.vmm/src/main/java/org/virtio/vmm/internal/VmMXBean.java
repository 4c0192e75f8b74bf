package org.virtio.vmm.internal;

/**
 * One VM on the platform MBean server, ObjectName {@code org.virtio:type=VM,name=<vm>}: its state, exit
 * counters and per-queue counters (read when asked), and the lifecycle operations.
 */
public interface VmMXBean {
    /** @return the VM's name */
    String getName();

    /** @return DEFINED, RUNNING, PAUSED, RESET, FAILED or INVALID */
    String getState();

    /** @return how the last run ended or why it failed, or empty */
    String getDetail();

    /** @return guest RAM in MiB */
    int getMemoryMib();

    /** @return vCPUs */
    int getVcpus();

    /** @return the configuration file or PID */
    String getSource();

    /** @return configuration errors, one per line */
    String[] getErrors();

    /** @return port I/O exits */
    long getPioExits();

    /** @return MMIO exits */
    long getMmioExits();

    /** @return vCPU runs started (start + resumes) */
    long getRuns();

    /** @return one line per device: name, type, status, window, implementation, swaps */
    String[] getDevices();

    /** @return one line per queue: device, index, size, ready, notifications, interrupts */
    String[] getQueueCounters();

    /** @return total driver notifications over all devices and queues */
    long getNotifications();

    /** @return total used-buffer interrupts over all devices and queues */
    long getInterrupts();

    /** Starts the VM. @throws Exception naming why it cannot */
    void start() throws Exception;

    /** Stops the VM. @throws Exception naming why it cannot */
    void stop() throws Exception;

    /** Pauses the VM. @throws Exception naming why it cannot */
    void pause() throws Exception;

    /** Resumes the VM. @throws Exception naming why it cannot */
    void resume() throws Exception;
}
