package org.virtio.kvm.devices;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * A 16550A UART (eight byte-wide registers from a base port; COM1 is 0x3f8 with IRQ 4), as Linux's
 * 8250 driver probes and drives it.
 *
 * <p>Transmission is immediate: a byte written to THR goes to the output stream at once, so LSR
 * always reports THRE and TEMT, and the THR-empty interrupt (when enabled in IER) is pending again
 * after each byte, until the guest reads IIR or writes THR. With MCR.LOOP set, transmitted bytes come
 * back as input instead, and the modem inputs follow the modem outputs (CTS=RTS, DSR=DTR, RI=OUT1,
 * DCD=OUT2), which is how the driver tests for a UART. Out of loopback the modem status is fixed:
 * CTS, DSR and DCD asserted.
 *
 * <p>Input is queued from the host ({@link #receive}) in a bounded buffer that also serves as the
 * receive FIFO; a full buffer refuses host bytes (the host retries later), so none are lost. With FIFOs
 * enabled (FCR bit 0) IIR reads 0xC_ in bits 7-6 (16550A); received data below the FCR trigger level
 * is reported as a character timeout (IIR 0x0C), at or above it as data available (0x04), with no
 * timer. Line errors never happen but an overrun in loopback; baud rate and framing (LCR, divisor) are
 * stored, not used. The interrupt output is not gated by MCR.OUT2.
 */
public final class Serial16550 extends BytePorts {
    /** COM1's base port. */
    public static final int COM1 = 0x3f8;
    /** COM1's ISA interrupt. */
    public static final int COM1_IRQ = 4;
    /** The number of ports from the base. */
    public static final int PORT_COUNT = 8;
    /** The input buffer size when none is given. */
    public static final int DEFAULT_INPUT_CAPACITY = 64;
    /** The UART's input clock divided by 16: the baud rate at divisor 1. */
    public static final int BASE_BAUD = 115_200;

    // Register offsets.
    static final int RBR_THR_DLL = 0;
    static final int IER_DLM = 1;
    static final int IIR_FCR = 2;
    static final int LCR = 3;
    static final int MCR = 4;
    static final int LSR = 5;
    static final int MSR = 6;
    static final int SCR = 7;

    static final int IER_RDI = 0x01;
    static final int IER_THRI = 0x02;
    static final int IER_RLSI = 0x04;
    static final int IER_MSI = 0x08;

    static final int IIR_NO_INT = 0x01;
    static final int IIR_MSI = 0x00;
    static final int IIR_THRI = 0x02;
    static final int IIR_RDI = 0x04;
    static final int IIR_RLSI = 0x06;
    static final int IIR_RX_TIMEOUT = 0x0c;
    static final int IIR_FIFO_ENABLED = 0xc0;

    static final int FCR_ENABLE_FIFO = 0x01;
    static final int FCR_CLEAR_RCVR = 0x02;

    static final int LCR_DLAB = 0x80;

    static final int MCR_DTR = 0x01;
    static final int MCR_RTS = 0x02;
    static final int MCR_OUT1 = 0x04;
    static final int MCR_OUT2 = 0x08;
    static final int MCR_LOOP = 0x10;

    static final int LSR_DR = 0x01;
    static final int LSR_OE = 0x02;
    static final int LSR_THRE = 0x20;
    static final int LSR_TEMT = 0x40;

    static final int MSR_DCTS = 0x01;
    static final int MSR_DDSR = 0x02;
    static final int MSR_TERI = 0x04;
    static final int MSR_DDCD = 0x08;
    static final int MSR_CTS = 0x10;
    static final int MSR_DSR = 0x20;
    static final int MSR_RI = 0x40;
    static final int MSR_DCD = 0x80;

    private static final int[] TRIGGER_LEVELS = {1, 4, 8, 14};

    private final int base;
    private final OutputStream output;
    private final InterruptLine irq;
    private final byte[] input;

    // Guarded by this.
    private int inHead;
    private int inCount;
    private int ier;
    private int lcr;
    private int mcr;
    private int msr = MSR_CTS | MSR_DSR | MSR_DCD;
    private int scr;
    private int dll = 12; // 9600 baud until the guest sets it
    private int dlm;
    private boolean fifoEnabled;
    private int triggerLevel = 1;
    private boolean overrun;
    private boolean thrInterruptPending;
    private int interruptId = IIR_NO_INT;
    private long outputErrors;
    private long transmitted;

    /**
     * A UART with the default input buffer.
     *
     * @param base   its first port (0x3f8 for COM1)
     * @param output where transmitted bytes go (the VM's console); it should be fast, it is written on
     *               the vCPU thread, and it is flushed after each newline
     * @param irq    its interrupt output
     */
    public Serial16550(int base, OutputStream output, InterruptLine irq) {
        this(base, output, irq, DEFAULT_INPUT_CAPACITY);
    }

    /**
     * @param base          its first port (0x3f8 for COM1)
     * @param output        where transmitted bytes go (the VM's console); written on the vCPU thread,
     *                      flushed after each newline
     * @param irq           its interrupt output
     * @param inputCapacity how many received bytes it holds before refusing host input, at least 1
     */
    public Serial16550(int base, OutputStream output, InterruptLine irq, int inputCapacity) {
        if (base < 0 || base > PortIoBus.PORT_LIMIT - PORT_COUNT) {
            throw new IllegalArgumentException("invalid base port 0x" + Integer.toHexString(base));
        }
        if (inputCapacity < 1) {
            throw new IllegalArgumentException("input capacity " + inputCapacity + " < 1");
        }
        this.base = base;
        this.output = Objects.requireNonNull(output, "output");
        this.irq = Objects.requireNonNull(irq, "irq");
        this.input = new byte[inputCapacity];
    }

    /**
     * Registers the UART's eight ports on a bus.
     *
     * @param bus the bus
     * @return this UART
     */
    public Serial16550 attach(PortIoBus bus) {
        bus.register(base, PORT_COUNT, this);
        return this;
    }

    /** @return the first port */
    public int base() {
        return base;
    }

    // ---- host side ----

    /**
     * Queues bytes the guest will read, as if received on the line, and raises the receive interrupt
     * when enabled.
     *
     * @param data   the bytes
     * @param offset where they start
     * @param length how many
     * @return how many were queued; fewer than {@code length} when the input buffer is full
     */
    public synchronized int receive(byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        int n = Math.min(length, input.length - inCount);
        for (int i = 0; i < n; i++) {
            input[(inHead + inCount++) % input.length] = data[offset + i];
        }
        if (n > 0) {
            updateInterrupt();
        }
        return n;
    }

    /**
     * Queues one byte (see {@link #receive(byte[], int, int)}).
     *
     * @param b the byte, low 8 bits
     * @return whether it was queued (false: the input buffer is full)
     */
    public boolean receive(int b) {
        return receive(new byte[] {(byte) b}, 0, 1) == 1;
    }

    /** @return how many more bytes {@link #receive} accepts now */
    public synchronized int inputSpace() {
        return input.length - inCount;
    }

    /** @return the bytes received and not yet read by the guest */
    public synchronized int pendingInput() {
        return inCount;
    }

    /** @return the divisor latch (DLM:DLL) */
    public synchronized int divisor() {
        return dlm << 8 | dll;
    }

    /** @return the baud rate the divisor selects ({@link #BASE_BAUD} / divisor), 0 for divisor 0 */
    public synchronized int baudRate() {
        int d = dlm << 8 | dll;
        return d == 0 ? 0 : BASE_BAUD / d;
    }

    /** @return the line control register */
    public synchronized int lineControl() {
        return lcr;
    }

    /** @return the interrupt enable register */
    public synchronized int interruptEnable() {
        return ier;
    }

    /** @return the modem control register */
    public synchronized int modemControl() {
        return mcr;
    }

    /** @return the scratch register */
    public synchronized int scratch() {
        return scr;
    }

    /** @return how many bytes went to the output stream (loopback bytes excluded) */
    public synchronized long transmitted() {
        return transmitted;
    }

    /** @return how many transmitted bytes were lost because the output stream threw */
    public synchronized long outputErrors() {
        return outputErrors;
    }

    // ---- guest side ----

    @Override
    synchronized int readByte(int port) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        return switch (port - base) {
            case RBR_THR_DLL -> dlab ? dll : readReceiveBuffer();
            case IER_DLM -> dlab ? dlm : ier;
            case IIR_FCR -> readInterruptId();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> readLineStatus();
            case MSR -> readModemStatus();
            case SCR -> scr;
            default -> 0xff;
        };
    }

    @Override
    synchronized void writeByte(int port, int value) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        switch (port - base) {
            case RBR_THR_DLL -> {
                if (dlab) {
                    dll = value;
                } else {
                    transmit(value);
                }
            }
            case IER_DLM -> {
                if (dlab) {
                    dlm = value;
                } else {
                    writeInterruptEnable(value);
                }
            }
            case IIR_FCR -> writeFifoControl(value);
            case LCR -> lcr = value;
            case MCR -> writeModemControl(value);
            case SCR -> scr = value;
            default -> {
                // LSR and MSR are read-only (factory test modes are not modelled).
            }
        }
    }

    private int readReceiveBuffer() {
        if (inCount == 0) {
            return 0;
        }
        int b = input[inHead] & 0xff;
        inHead = (inHead + 1) % input.length;
        inCount--;
        updateInterrupt();
        return b;
    }

    private int readInterruptId() {
        int id = interruptId;
        if (id == IIR_THRI) {
            // Reading IIR while it reports THR empty clears that cause (16550 datasheet).
            thrInterruptPending = false;
            updateInterrupt();
        }
        return id | (fifoEnabled ? IIR_FIFO_ENABLED : 0);
    }

    private int readLineStatus() {
        int lsr = LSR_THRE | LSR_TEMT | (inCount > 0 ? LSR_DR : 0) | (overrun ? LSR_OE : 0);
        if (overrun) {
            overrun = false;
            updateInterrupt();
        }
        return lsr;
    }

    private int readModemStatus() {
        int value = msr;
        if ((msr & 0x0f) != 0) {
            msr &= 0xf0;
            updateInterrupt();
        }
        return value;
    }

    private void transmit(int value) {
        thrInterruptPending = false;
        updateInterrupt();
        if ((mcr & MCR_LOOP) != 0) {
            if (inCount == input.length) {
                overrun = true;
            } else {
                input[(inHead + inCount++) % input.length] = (byte) value;
            }
        } else {
            try {
                output.write(value);
                if (value == '\n') {
                    output.flush();
                }
                transmitted++;
            } catch (IOException e) {
                outputErrors++;
            }
        }
        thrInterruptPending = true;
        updateInterrupt();
    }

    private void writeInterruptEnable(int value) {
        int changed = (ier ^ value) & 0x0f;
        ier = value & 0x0f;
        if ((changed & IER_THRI) != 0) {
            // Enabling the THR-empty interrupt while THR is empty (always) raises it at once; the 8250
            // driver relies on that to start transmitting.
            thrInterruptPending = (ier & IER_THRI) != 0;
        }
        updateInterrupt();
    }

    private void writeFifoControl(int value) {
        boolean enable = (value & FCR_ENABLE_FIFO) != 0;
        if (enable != fifoEnabled || (value & FCR_CLEAR_RCVR) != 0) {
            // Switching the FIFOs on or off clears them, as does the receiver reset bit.
            inHead = 0;
            inCount = 0;
        }
        fifoEnabled = enable;
        triggerLevel = enable ? TRIGGER_LEVELS[(value >>> 6) & 3] : 1;
        updateInterrupt();
    }

    private void writeModemControl(int value) {
        mcr = value & 0x1f;
        int status;
        if ((mcr & MCR_LOOP) != 0) {
            status = ((mcr & MCR_RTS) != 0 ? MSR_CTS : 0) | ((mcr & MCR_DTR) != 0 ? MSR_DSR : 0)
                    | ((mcr & MCR_OUT1) != 0 ? MSR_RI : 0) | ((mcr & MCR_OUT2) != 0 ? MSR_DCD : 0);
        } else {
            status = MSR_CTS | MSR_DSR | MSR_DCD;
        }
        int changed = (msr ^ status) & 0xf0;
        int delta = ((changed & MSR_CTS) != 0 ? MSR_DCTS : 0) | ((changed & MSR_DSR) != 0 ? MSR_DDSR : 0)
                | ((changed & MSR_DCD) != 0 ? MSR_DDCD : 0)
                | ((msr & MSR_RI) != 0 && (status & MSR_RI) == 0 ? MSR_TERI : 0);
        msr = status | (msr & 0x0f) | delta;
        updateInterrupt();
    }

    /** Re-evaluates the highest-priority pending cause and sets the interrupt line's level. */
    private void updateInterrupt() {
        int id;
        if ((ier & IER_RLSI) != 0 && overrun) {
            id = IIR_RLSI;
        } else if ((ier & IER_RDI) != 0 && inCount > 0) {
            id = fifoEnabled && inCount < triggerLevel ? IIR_RX_TIMEOUT : IIR_RDI;
        } else if ((ier & IER_THRI) != 0 && thrInterruptPending) {
            id = IIR_THRI;
        } else if ((ier & IER_MSI) != 0 && (msr & 0x0f) != 0) {
            id = IIR_MSI;
        } else {
            id = IIR_NO_INT;
        }
        interruptId = id;
        irq.set(id != IIR_NO_INT);
    }

    @Override
    public String toString() {
        return "16550A UART at 0x" + Integer.toHexString(base);
    }
}
