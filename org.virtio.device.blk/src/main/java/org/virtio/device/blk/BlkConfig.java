package org.virtio.device.blk;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of one virtio-blk device (factory PID {@value #PID}): the properties the VM manager
 * passes to {@link BlkDeviceFactory#create}, under the same keys as these methods.
 */
@ObjectClassDefinition(id = BlkConfig.PID, name = "VirtIO block device",
        description = "One virtio-blk device over a raw image file (VirtIO 1.3 §5.2).")
public @interface BlkConfig {
    /** The configuration (factory) PID. */
    String PID = "org.virtio.device.blk";

    /** @return the raw image file; required */
    @AttributeDefinition(name = "Image path", required = true,
            description = "Path of the raw disk image; its size rounded down to 512 bytes is the capacity.")
    String path();

    /** @return whether the drive is read-only */
    @AttributeDefinition(name = "Read-only",
            description = "Open the image read-only, offer VIRTIO_BLK_F_RO and fail writes with IOERR.")
    boolean readOnly() default false;

    /** @return the device ID string; empty means derived from the image file name */
    @AttributeDefinition(name = "Serial", required = false,
            description = "Device ID string returned by GET_ID: at most 20 printable ASCII bytes. "
                    + "Empty: derived from the image file name.")
    String serial() default "";
}
