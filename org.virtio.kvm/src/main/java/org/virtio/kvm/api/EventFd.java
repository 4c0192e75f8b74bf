package org.virtio.kvm.api;

import java.time.Duration;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An eventfd registered with KVM as an ioeventfd (the guest signals it) or an irqfd (the VMM signals it
 * to raise an interrupt). Non-blocking; {@link #await} waits with poll(2). Closing it unregisters it
 * from KVM and closes the descriptor.
 */
@ProviderType
public interface EventFd extends AutoCloseable {
    /** @return the file descriptor, for event loops that poll many */
    int fd();

    /**
     * Adds 1 to the counter (for an irqfd: raises the interrupt).
     *
     * @throws KvmException when write(2) fails or the eventfd is closed
     */
    void signal() throws KvmException;

    /**
     * Reads and resets the counter without waiting.
     *
     * @return the counter (the number of signals since the last read), 0 when there was none
     * @throws KvmException when read(2) fails or the eventfd is closed
     */
    long tryRead() throws KvmException;

    /**
     * Waits until the counter is non-zero, then reads and resets it.
     *
     * @param timeout the longest wait
     * @return the counter, 0 when the timeout passed first
     * @throws KvmException when poll(2) or read(2) fails or the eventfd is closed
     */
    long await(Duration timeout) throws KvmException;

    /** Unregisters the eventfd from KVM and closes it; a second call does nothing. */
    @Override
    void close();
}
