package org.virtio.kvm.devices;

import java.util.Objects;

/**
 * The i8042 keyboard controller at ports 0x60 (data) and 0x64 (status, command), with no keyboard or
 * mouse behind it: enough for Linux's i8042 probe to finish without waiting for timeouts, and the CPU
 * reset line, which is how a guest reboots (command 0xFE, "pulse reset") and how our test guests and
 * Linux with {@code reboot=k} end a VM.
 *
 * <p>Commands understood: 0x20 read and 0x60 write the command byte, 0xA7/0xA8 disable/enable the
 * auxiliary port, 0xA9 test it (answers 0x01, "clock line stuck low": there is no mouse), 0xAA
 * controller self-test (answers 0x55), 0xAB keyboard port test (answers 0x00), 0xAD/0xAE disable/enable
 * the keyboard, 0xD0/0xD1 read/write the output port (clearing its bit 0 resets the CPU), and 0xF0-0xFF
 * pulse output lines (an even command pulses the reset line). Other commands and bytes for the keyboard
 * itself are ignored, and no interrupt is raised (there is no keyboard data to announce).
 */
public final class I8042 extends BytePorts {
    /** The data port. */
    public static final int DATA_PORT = 0x60;
    /** The status (read) and command (write) port. */
    public static final int COMMAND_PORT = 0x64;

    static final int STATUS_OBF = 0x01;
    static final int STATUS_SYS = 0x04;
    static final int STATUS_CMD = 0x08;
    static final int STATUS_UNLOCKED = 0x10;

    static final int CTR_SYS = 0x04;
    static final int CTR_KBD_DISABLED = 0x10;
    static final int CTR_AUX_DISABLED = 0x20;
    /** After POST: keyboard interrupt on, system flag, scancode translation. */
    static final int CTR_DEFAULT = 0x45;

    static final int CMD_READ_CTR = 0x20;
    static final int CMD_WRITE_CTR = 0x60;
    static final int CMD_AUX_DISABLE = 0xa7;
    static final int CMD_AUX_ENABLE = 0xa8;
    static final int CMD_AUX_TEST = 0xa9;
    static final int CMD_SELF_TEST = 0xaa;
    static final int CMD_KBD_TEST = 0xab;
    static final int CMD_KBD_DISABLE = 0xad;
    static final int CMD_KBD_ENABLE = 0xae;
    static final int CMD_READ_OUTPUT_PORT = 0xd0;
    static final int CMD_WRITE_OUTPUT_PORT = 0xd1;
    static final int CMD_PULSE_RESET = 0xfe;

    private final Runnable onReset;

    // Guarded by this.
    private int ctr = CTR_DEFAULT;
    private int outputPort = 0x03; // reset line high (not in reset), A20 on
    private int outputBuffer;
    private boolean outputFull;
    private boolean lastWasCommand;
    private int pendingCommand; // 0, CMD_WRITE_CTR or CMD_WRITE_OUTPUT_PORT: the next data byte's meaning
    private long resets;
    private long ignored;

    /**
     * @param onReset called when the guest resets the CPU, on the vCPU thread that did it; the VMM stops
     *                the VM there (for example {@link org.virtio.kvm.api.VmRun#stop()})
     */
    public I8042(Runnable onReset) {
        this.onReset = Objects.requireNonNull(onReset, "onReset");
    }

    /**
     * Registers ports 0x60 and 0x64 on a bus (not 0x61-0x63, which are other devices on a PC).
     *
     * @param bus the bus
     * @return this controller
     */
    public I8042 attach(PortIoBus bus) {
        bus.register(DATA_PORT, 1, this);
        bus.register(COMMAND_PORT, 1, this);
        return this;
    }

    /** @return how many times the guest requested a CPU reset */
    public synchronized long resets() {
        return resets;
    }

    /** @return how many commands and keyboard bytes were ignored */
    public synchronized long ignored() {
        return ignored;
    }

    /** @return the controller command byte */
    public synchronized int commandByte() {
        return ctr;
    }

    @Override
    int readByte(int port) {
        synchronized (this) {
            if (port == COMMAND_PORT) {
                return (outputFull ? STATUS_OBF : 0) | (ctr & CTR_SYS) | (lastWasCommand ? STATUS_CMD : 0)
                        | STATUS_UNLOCKED;
            }
            if (port == DATA_PORT) {
                outputFull = false; // an empty buffer reads its last byte again, as the real one does
                return outputBuffer;
            }
            return 0xff;
        }
    }

    @Override
    void writeByte(int port, int value) {
        boolean reset;
        synchronized (this) {
            reset = port == COMMAND_PORT ? command(value) : port == DATA_PORT && data(value);
            if (reset) {
                resets++;
            }
        }
        if (reset) {
            onReset.run(); // outside the lock: the VMM may stop the VM from here
        }
    }

    /** @return whether the command resets the CPU */
    private boolean command(int cmd) {
        lastWasCommand = true;
        pendingCommand = 0;
        switch (cmd) {
            case CMD_READ_CTR -> respond(ctr);
            case CMD_WRITE_CTR, CMD_WRITE_OUTPUT_PORT -> pendingCommand = cmd;
            case CMD_AUX_DISABLE -> ctr |= CTR_AUX_DISABLED;
            case CMD_AUX_ENABLE -> ctr &= ~CTR_AUX_DISABLED;
            case CMD_AUX_TEST -> respond(0x01);
            case CMD_SELF_TEST -> respond(0x55);
            case CMD_KBD_TEST -> respond(0x00);
            case CMD_KBD_DISABLE -> ctr |= CTR_KBD_DISABLED;
            case CMD_KBD_ENABLE -> ctr &= ~CTR_KBD_DISABLED;
            case CMD_READ_OUTPUT_PORT -> respond(outputPort);
            default -> {
                if (cmd >= 0xf0) {
                    return (cmd & 1) == 0; // bit 0 low: pulse the reset line
                }
                ignored++;
            }
        }
        return false;
    }

    /** @return whether the byte resets the CPU */
    private boolean data(int value) {
        lastWasCommand = false;
        int cmd = pendingCommand;
        pendingCommand = 0;
        if (cmd == CMD_WRITE_CTR) {
            ctr = value;
        } else if (cmd == CMD_WRITE_OUTPUT_PORT) {
            outputPort = value;
            return (value & 1) == 0;
        } else {
            ignored++; // a byte for the keyboard: there is none
        }
        return false;
    }

    private void respond(int value) {
        outputBuffer = value;
        outputFull = true;
    }

    @Override
    public String toString() {
        return "i8042 at 0x60/0x64";
    }
}
