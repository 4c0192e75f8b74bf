package org.virtio.core.device;

/** Device status bits (VirtIO 1.3 §2.1). */
public final class DeviceStatus {
    /** The guest OS has found the device. */
    public static final int ACKNOWLEDGE = 1;
    /** The guest OS knows how to drive the device. */
    public static final int DRIVER = 2;
    /** The driver is set up and ready to drive the device. */
    public static final int DRIVER_OK = 4;
    /** Feature negotiation is complete. */
    public static final int FEATURES_OK = 8;
    /** The device needs a reset after an error. */
    public static final int DEVICE_NEEDS_RESET = 64;
    /** The driver gave up on the device. */
    public static final int FAILED = 128;

    private DeviceStatus() {
    }

    /** @param status a status byte  @return its bits by name, for logs */
    public static String describe(int status) {
        if (status == 0) {
            return "RESET";
        }
        StringBuilder sb = new StringBuilder();
        String[] names = {"ACKNOWLEDGE", "DRIVER", "DRIVER_OK", "FEATURES_OK", "0x10", "0x20", "DEVICE_NEEDS_RESET", "FAILED"};
        for (int b = 0; b < 8; b++) {
            if ((status & (1 << b)) != 0) {
                sb.append(sb.isEmpty() ? "" : "|").append(names[b]);
            }
        }
        return sb.toString();
    }
}
