package org.virtio.core.transport;

import java.util.List;

import org.virtio.core.queue.QueueState;

/**
 * A quiesced device's transport-independent state: what a new implementation needs to carry on where the
 * old one stopped. Restoring it re-checks everything (device type, acked ⊆ offered, queue count and ring
 * addresses): a snapshot is as hostile as any other guest-derived input.
 *
 * @param deviceType       device id
 * @param offeredFeatures  features the device offered
 * @param driverFeatures   features the driver acknowledged
 * @param status           device status byte
 * @param configGeneration configuration generation counter
 * @param queues           one state per queue, in index order
 * @param config           the device-specific configuration bytes at snapshot time
 * @param deviceState      device-specific state from {@link org.virtio.core.device.VirtioDevice#saveState()}
 */
public record DeviceSnapshot(int deviceType, long offeredFeatures, long driverFeatures, int status,
        int configGeneration, List<QueueState> queues, byte[] config, byte[] deviceState) {

    /** Defensive copies: a snapshot is a value. */
    public DeviceSnapshot {
        queues = List.copyOf(queues);
        config = config.clone();
        deviceState = deviceState.clone();
    }

    @Override
    public byte[] config() {
        return config.clone();
    }

    @Override
    public byte[] deviceState() {
        return deviceState.clone();
    }
}
