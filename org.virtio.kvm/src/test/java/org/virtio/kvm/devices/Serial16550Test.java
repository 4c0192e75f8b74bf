package org.virtio.kvm.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The 16550A UART's register semantics, through the port I/O bus at COM1. */
class Serial16550Test {
    static final int THR = 0x3f8;
    static final int RBR = 0x3f8;
    static final int DLL = 0x3f8;
    static final int IER = 0x3f9;
    static final int DLM = 0x3f9;
    static final int IIR = 0x3fa;
    static final int FCR = 0x3fa;
    static final int LCR = 0x3fb;
    static final int MCR = 0x3fc;
    static final int LSR = 0x3fd;
    static final int MSR = 0x3fe;
    static final int SCR = 0x3ff;

    /** Records the line level and counts rising edges. */
    static final class Line implements InterruptLine {
        boolean level;
        int edges;

        @Override
        public void set(boolean asserted) {
            if (asserted && !level) {
                edges++;
            }
            level = asserted;
        }
    }

    final ByteArrayOutputStream console = new ByteArrayOutputStream();
    final Line irq = new Line();
    final PortIoBus bus = new PortIoBus();
    Serial16550 uart;

    @BeforeEach
    void uart() {
        uart = new Serial16550(Serial16550.COM1, console, irq, 4).attach(bus);
    }

    int in(int port) {
        return bus.in(port, 1);
    }

    void out(int port, int value) {
        bus.out(port, 1, value);
    }

    @Test
    void scratchRegisterHoldsWhatTheDriverProbesWith() {
        out(SCR, 0xa5);
        assertEquals(0xa5, in(SCR));
        out(SCR, 0x5a);
        assertEquals(0x5a, in(SCR));
    }

    @Test
    void interruptEnableKeepsItsFourBits() {
        out(IER, 0);
        assertEquals(0, in(IER));
        out(IER, 0xff);
        assertEquals(0x0f, in(IER));
    }

    @Test
    void dlabSwitchesTheFirstTwoRegistersToTheDivisorLatch() {
        out(IER, 0x05);
        out(LCR, 0x80 | 0x03);
        out(DLL, 0x01);
        out(DLM, 0x00);
        assertEquals(0x01, in(DLL));
        assertEquals(0x00, in(DLM));
        assertEquals(1, uart.divisor());
        assertEquals(115_200, uart.baudRate());
        out(DLL, 0x0c);
        assertEquals(9600, uart.baudRate());
        assertEquals("", console.toString(StandardCharsets.US_ASCII), "divisor writes are not data");

        out(LCR, 0x03);
        assertEquals(0x03, in(LCR));
        assertEquals(0x05, in(IER), "IER unchanged by the divisor writes");
        out(THR, 'x');
        assertEquals("x", console.toString(StandardCharsets.US_ASCII));
        assertEquals(0x0c, uart.divisor());
    }

    @Test
    void transmittedBytesGoToTheOutputAndLsrReportsTheTransmitterEmpty() {
        assertEquals(0x60, in(LSR), "THRE | TEMT, no data");
        for (byte b : "Hello\n".getBytes(StandardCharsets.US_ASCII)) {
            assertEquals(0x20, in(LSR) & 0x20);
            out(THR, b);
        }
        assertEquals("Hello\n", console.toString(StandardCharsets.US_ASCII));
        assertEquals(0x60, in(LSR));
        assertEquals(6, uart.transmitted());
    }

    @Test
    void hostInputSetsDataReadyAndRaisesTheReceiveInterruptUntilRead() {
        out(IER, 0x01);
        assertFalse(irq.level);
        assertEquals(0x01, in(IIR), "no interrupt pending");
        assertTrue(uart.receive('a'));
        assertTrue(irq.level);
        assertEquals(1, irq.edges);
        assertEquals(0x61, in(LSR), "DR | THRE | TEMT");
        assertEquals(0x04, in(IIR), "received data available");
        assertEquals('a', in(RBR));
        assertFalse(irq.level, "reading the last byte lowers the line");
        assertEquals(0x01, in(IIR));
        assertEquals(0x60, in(LSR));
        assertEquals(0, in(RBR), "an empty receiver reads 0");

        uart.receive('b');
        assertEquals(2, irq.edges, "the next byte makes a new edge");
    }

    @Test
    void inputWithoutTheInterruptEnabledRaisesNothing() {
        uart.receive('z');
        assertFalse(irq.level);
        assertEquals(0x01, in(IIR));
        out(IER, 0x01);
        assertTrue(irq.level, "enabling it with data pending raises it");
        assertEquals('z', in(RBR));
        assertFalse(irq.level);
    }

    @Test
    void theInputBufferIsBoundedAndRefusesRatherThanDrops() {
        byte[] data = "abcdef".getBytes(StandardCharsets.US_ASCII);
        assertEquals(4, uart.receive(data, 0, data.length));
        assertEquals(0, uart.inputSpace());
        assertFalse(uart.receive('g'));
        StringBuilder read = new StringBuilder();
        while ((in(LSR) & 0x01) != 0) {
            read.append((char) in(RBR));
        }
        assertEquals("abcd", read.toString());
        assertEquals(2, uart.receive(data, 4, 2));
        assertEquals('e', in(RBR));
    }

    @Test
    void transmitterEmptyInterruptIsRaisedOnEnableClearedByIirAndRaisedAgainAfterEachByte() {
        out(IER, 0x02);
        assertTrue(irq.level, "THR is empty: enabling THRI raises it at once");
        assertEquals(0x02, in(IIR));
        assertFalse(irq.level, "reading IIR that reports THRI clears it");
        assertEquals(0x01, in(IIR));

        out(THR, 'a');
        assertTrue(irq.level);
        assertEquals(2, irq.edges);
        out(IER, 0x00);
        assertFalse(irq.level);
        assertEquals(0x01, in(IIR));
    }

    @Test
    void receiveInterruptHasPriorityOverTransmitterEmpty() {
        out(IER, 0x03);
        uart.receive('q');
        assertEquals(0x04, in(IIR));
        in(RBR);
        assertEquals(0x02, in(IIR));
        assertEquals(0x01, in(IIR));
    }

    @Test
    void fifoControlShowsInIirAndSelectsTheTriggerLevel() {
        assertEquals(0x00, in(IIR) & 0xc0);
        out(FCR, 0x01 | 0x40); // enable, trigger level 4
        assertEquals(0xc1, in(IIR), "16550A: FIFOs enabled, no interrupt");
        out(IER, 0x01);
        uart.receive('1');
        assertEquals(0xcc, in(IIR), "below the trigger level: character timeout");
        uart.receive(new byte[] {'2', '3', '4'}, 0, 3);
        assertEquals(0xc4, in(IIR), "at the trigger level: data available");
        out(FCR, 0x01 | 0x02); // clear the receive FIFO
        assertEquals(0, uart.pendingInput());
        assertFalse(irq.level);
        out(FCR, 0x00);
        assertEquals(0x01, in(IIR));
    }

    @Test
    void loopbackReturnsTransmittedBytesAndMirrorsModemLines() {
        assertEquals(0xb0, in(MSR), "DCD | DSR | CTS when not in loopback");
        out(MCR, 0x10 | 0x0a); // LOOP | OUT2 | RTS, as Linux probes
        assertEquals(0x1a, in(MCR));
        assertEquals(0x90, in(MSR) & 0xf0, "DCD (OUT2) | CTS (RTS)");
        out(MCR, 0x10 | 0x05); // LOOP | OUT1 | DTR
        int msr = in(MSR);
        assertEquals(0x60, msr & 0xf0, "RI (OUT1) | DSR (DTR)");
        assertEquals(0x0b, msr & 0x0f, "CTS, DSR and DCD changed (RI rose: no trailing-edge delta)");
        assertEquals(0, in(MSR) & 0x0f, "reading MSR clears the deltas");

        out(THR, 'L');
        assertEquals("", console.toString(StandardCharsets.US_ASCII), "nothing reaches the line in loopback");
        assertEquals(0x61, in(LSR));
        assertEquals('L', in(RBR));

        out(MCR, 0x0b);
        assertEquals(0xb0, in(MSR) & 0xf0);
        out(THR, 'M');
        assertEquals("M", console.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void loopbackOverrunSetsLsrOverrunUntilRead() {
        out(MCR, 0x10);
        out(IER, 0x04);
        for (int i = 0; i < 5; i++) {
            out(THR, '0' + i);
        }
        assertTrue(irq.level, "receiver line status interrupt");
        assertEquals(0x06, in(IIR));
        assertEquals(0x63, in(LSR), "OE | DR | THRE | TEMT");
        assertFalse(irq.level);
        assertEquals(0x61, in(LSR), "reading LSR clears OE");
    }

    @Test
    void modemStatusInterruptOnDeltas() {
        out(IER, 0x08);
        out(MCR, 0x10); // loopback with all outputs low: CTS, DSR, DCD drop
        assertTrue(irq.level);
        assertEquals(0x00, in(IIR));
        in(MSR);
        assertFalse(irq.level);
    }

    @Test
    void aFailingOutputStreamLosesTheByteButNotTheVm() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("closed");
            }
        };
        PortIoBus other = new PortIoBus();
        Serial16550 u = new Serial16550(0x2f8, broken, InterruptLine.NONE).attach(other);
        other.out(0x2f8, 1, 'x');
        assertEquals(1, u.outputErrors());
        assertEquals(0x60, other.in(0x2fd, 1));
    }

    @Test
    void unknownOffsetsAndWideAccessesSplitIntoBytes() {
        out(SCR, 0x11);
        out(LCR, 0x03);
        assertEquals(0xb0_60_00_03, bus.in(LCR, 4), "LCR, MCR, LSR, MSR, read byte by byte, low byte first");
        bus.out(0x3fe, 2, 0x2200);
        assertEquals(0x22, in(SCR), "the high byte went to SCR");
    }

    /**
     * The register accesses Linux's 8250 driver makes to probe a port (autoconfig: IER test, loopback
     * test, FIFO and EFR checks; startup: the THRE-on-enable check) and what it must see to take the
     * port for a working 16550A without the buggy-THRE workaround.
     */
    @Test
    void linux8250ProbeSequenceSeesA16550A() {
        // IER test: writes 0, reads 0; writes 0x0f, reads 0x0f.
        out(IER, 0);
        assertEquals(0, in(IER) & 0x0f);
        out(IER, 0x0f);
        assertEquals(0x0f, in(IER) & 0x0f);
        out(IER, 0);
        // Loopback test: LOOP | OUT2 | RTS gives DCD | CTS.
        out(MCR, 0x1a);
        assertEquals(0x90, in(MSR) & 0xf0);
        out(MCR, 0);
        // LCR 0xbf (configuration mode B), zero the EFR (offset 2: FCR here), then FIFOs on: IIR 7-6 = 3.
        out(LCR, 0xbf);
        out(FCR, 0);
        out(LCR, 0);
        out(FCR, 0x01);
        assertEquals(3, in(IIR) >> 6, "16550A");
        // The EFR checks in configuration modes read offset 2 as non-zero: not an ST16C650.
        out(LCR, 0x80);
        assertTrue(in(IIR) != 0);
        out(LCR, 0xbf);
        assertTrue(in(IIR) != 0);
        out(LCR, 0);
        // 16750 check: the 64-byte FIFO bit (IIR bit 5) does not stick, with or without DLAB.
        out(FCR, 0x01 | 0x20);
        int status1 = in(IIR) >> 5;
        out(LCR, 0x80);
        out(FCR, 0x01 | 0x20);
        int status2 = in(IIR) >> 5;
        out(LCR, 0);
        assertEquals(6, status1);
        assertEquals(6, status2);
        // Startup: enabling THRI must show THRI in IIR at once, both times.
        out(IER, 0x02);
        int iir1 = in(IIR);
        out(IER, 0);
        out(IER, 0x02);
        int iir = in(IIR);
        out(IER, 0);
        assertEquals(0, iir1 & 0x01);
        assertEquals(0, iir & 0x01);
        assertTrue(in(LSR) != 0xff, "LSR safety check");
    }

    @Test
    void edgeLineFiresOnRisingEdgesOnly() {
        int[] fired = {0};
        InterruptLine line = InterruptLine.edge(() -> fired[0]++);
        line.set(false);
        line.set(true);
        line.set(true);
        assertEquals(1, fired[0]);
        line.set(false);
        line.set(true);
        assertEquals(2, fired[0]);
    }
}
