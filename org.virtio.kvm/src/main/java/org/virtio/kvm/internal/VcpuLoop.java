package org.virtio.kvm.internal;

import static org.virtio.kvm.internal.KvmStructs.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.virtio.kvm.api.KvmException;
import org.virtio.kvm.api.MmioHandler;
import org.virtio.kvm.api.PortIoHandler;
import org.virtio.kvm.api.VcpuStop;
import org.virtio.kvm.api.VcpuStop.Reason;

/**
 * One vCPU's KVM_RUN loop, the body of its dedicated platform thread: enters the guest, hands port I/O
 * and MMIO exits to the handlers and ends on HLT, SHUTDOWN, FAIL_ENTRY, INTERNAL_ERROR, a handler
 * failure or a stop request. Failures end the loop with a message naming the exit and the registers;
 * nothing here exits or crashes the JVM. The loop allocates nothing per exit.
 *
 * <p><b>How another thread stops a vCPU that is inside KVM_RUN.</b> KVM_RUN returns EINTR when a
 * signal is pending for its thread, but a signal needs a handler or its default action runs, and the JVM
 * gives no way to install a native no-op handler without native code of our own. So the loop uses KVM's
 * signal-mask protocol (the one QEMU used for its SIG_IPI): the vCPU thread blocks {@link #KICK_SIGNAL}
 * for itself, and KVM_SET_SIGNAL_MASK hands KVM the thread's previous mask, without that signal, to use
 * only <em>during</em> KVM_RUN. {@code VmRun.stop()} sets the stop flag, then sends the signal to the
 * thread with pthread_kill. Inside KVM_RUN it makes the ioctl return EINTR; between two KVM_RUNs it stays
 * pending (blocked) and makes the next KVM_RUN return EINTR at once, so a stop that lands between the
 * flag check and the ioctl is not lost. The signal is never delivered to a handler: blocked outside
 * KVM_RUN, and taken off the thread with sigtimedwait after each EINTR and before the thread ends. It is
 * SIGURG, whose default action is to be ignored and which the JVM does not use, so even a stray one is
 * harmless. kvm_run.immediate_exit is not needed with this protocol (the pending signal does its job).
 * Measured on this PVM host: a vCPU spinning in CPL0 guest code stops 0.7-0.9 ms after stop(), and a
 * vCPU halted in the kernel (in-kernel irqchip) stops as well. A stray EINTR with no stop request is
 * retried.
 */
final class VcpuLoop implements Runnable {
    /** SIGURG on Linux/x86-64: default action "ignore", unused by the JVM. */
    static final int KICK_SIGNAL = 23;

    private static final int KVM_EXIT_IO = 2;
    private static final int KVM_EXIT_HLT = 5;
    private static final int KVM_EXIT_MMIO = 6;
    private static final int KVM_EXIT_SHUTDOWN = 8;
    private static final int KVM_EXIT_FAIL_ENTRY = 9;
    private static final int KVM_EXIT_INTR = 10;
    private static final int KVM_EXIT_INTERNAL_ERROR = 17;
    /** KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES in internal.data[0]. */
    private static final long EMULATION_FLAG_INSTRUCTION_BYTES = 1;

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final VmRunImpl run;
    private final KvmVcpuImpl vcpu;
    private final PortIoHandler pio;
    private final MmioHandler mmio;
    private final MemorySegment area;
    private final int fd;
    private final int id;

    VcpuLoop(VmRunImpl run, KvmVcpuImpl vcpu, PortIoHandler pio, MmioHandler mmio) {
        this.run = run;
        this.vcpu = vcpu;
        this.pio = pio;
        this.mmio = mmio;
        this.area = vcpu.runArea();
        this.fd = vcpu.fd();
        this.id = vcpu.id();
    }

    @Override
    public void run() {
        VcpuStop stop;
        try (Arena arena = Arena.ofConfined()) {
            stop = loop(arena);
        } catch (KvmException e) {
            stop = new VcpuStop(id, Reason.RUN_FAILED, "vCPU " + id + ": " + e.getMessage());
        } catch (RuntimeException | Error e) {
            // The thread's last line: whatever went wrong, record it, so the VM stops and awaiters return.
            stop = new VcpuStop(id, Reason.RUN_FAILED, "vCPU " + id + ": run loop failed: " + e);
        }
        run.ended(stop, vcpu);
    }

    private VcpuStop loop(Arena arena) throws KvmException {
        MemorySegment state = arena.allocate(Libc.CAPTURE);
        MemorySegment kick = arena.allocate(Libc.SIGSET_BYTES, 8);
        MemorySegment saved = arena.allocate(Libc.SIGSET_BYTES, 8);
        MemorySegment noWait = arena.allocate(16, 8);
        Libc.sigsetOf(kick, KICK_SIGNAL);
        Libc.blockSignals(kick, saved);
        // The mask during KVM_RUN: the thread's previous mask (the kernel's 64-bit sigset is the first
        // 8 bytes of glibc's sigset_t), with the kick signal unblocked.
        MemorySegment mask = arena.allocate(KVM_SIGNAL_MASK.byteSize() + 8, 8);
        mask.set(ValueLayout.JAVA_INT, SIGNAL_MASK_LEN, 8);
        mask.set(U64, KVM_SIGNAL_MASK.byteSize(), saved.get(U64, 0) & ~(1L << (KICK_SIGNAL - 1)));
        Libc.ioctlChecked(fd, KvmIoctls.KVM_SET_SIGNAL_MASK, mask, "KVM_SET_SIGNAL_MASK on vCPU " + id);
        vcpu.publishThread(Libc.pthreadSelf());
        try {
            while (!run.stopRequested()) {
                int rc = Libc.ioctl(state, fd, KvmIoctls.KVM_RUN, 0L);
                if (rc < 0) {
                    int errno = Libc.errno(state);
                    if (errno == Libc.EINTR) {
                        Libc.takePendingSignal(state, kick, noWait);
                        continue;
                    }
                    return stop(Reason.RUN_FAILED, "KVM_RUN failed: " + Libc.describe(errno));
                }
                int reason = area.get(U32, RUN_EXIT_REASON);
                VcpuStop stop = switch (reason) {
                    case KVM_EXIT_IO -> portIo();
                    case KVM_EXIT_MMIO -> mmio();
                    case KVM_EXIT_INTR -> {
                        Libc.takePendingSignal(state, kick, noWait);
                        yield null;
                    }
                    case KVM_EXIT_HLT -> stop(Reason.HALTED, "KVM_EXIT_HLT (5)");
                    case KVM_EXIT_SHUTDOWN -> stop(Reason.SHUTDOWN, "KVM_EXIT_SHUTDOWN (8): triple fault or reset");
                    case KVM_EXIT_FAIL_ENTRY -> stop(Reason.FAIL_ENTRY, "KVM_EXIT_FAIL_ENTRY (9): hardware entry failure reason 0x"
                            + Long.toHexString(area.get(U64, RUN_FAIL_ENTRY_REASON)) + " on host cpu "
                            + area.get(U32, RUN_FAIL_ENTRY_CPU));
                    case KVM_EXIT_INTERNAL_ERROR -> stop(Reason.INTERNAL_ERROR, internalError());
                    default -> stop(Reason.UNHANDLED_EXIT, exitName(reason) + " (" + reason + ") is not handled");
                };
                if (stop != null) {
                    return stop;
                }
            }
            return new VcpuStop(id, Reason.STOPPED, "vCPU " + id + ": stopped on request");
        } finally {
            vcpu.unpublishThread();
            // Nobody can kick this thread any more: take a kick that may still be pending off it.
            Libc.takePendingSignal(state, kick, noWait);
        }
    }

    /** @return null to go on, or the stop when the handler failed */
    private VcpuStop portIo() {
        boolean out = area.get(U8, RUN_IO_DIRECTION) == KVM_EXIT_IO_OUT;
        int size = area.get(U8, RUN_IO_SIZE) & 0xff;
        int port = area.get(U16, RUN_IO_PORT) & 0xffff;
        int count = area.get(U32, RUN_IO_COUNT);
        long offset = area.get(U64, RUN_IO_DATA_OFFSET);
        if ((size != 1 && size != 2 && size != 4) || count < 1 || offset < 0
                || offset > area.byteSize() - (long) size * count) {
            return stop(Reason.UNHANDLED_EXIT, "KVM_EXIT_IO (2) with an invalid size " + size + ", count " + count
                    + " or data offset " + offset);
        }
        try {
            for (int i = 0; i < count; i++) {
                long at = offset + (long) i * size;
                if (out) {
                    pio.out(port, size, (int) readLittleEndian(at, size));
                } else {
                    writeLittleEndian(at, size, pio.in(port, size) & 0xffff_ffffL);
                }
            }
            return null;
        } catch (RuntimeException e) {
            return stop(Reason.HANDLER_FAILED, "PortIoHandler." + (out ? "out" : "in") + "(port 0x"
                    + Integer.toHexString(port) + ", size " + size + ") on KVM_EXIT_IO (2) threw " + e);
        }
    }

    /** @return null to go on, or the stop when the handler failed */
    private VcpuStop mmio() {
        long address = area.get(U64, RUN_MMIO_PHYS_ADDR);
        int length = area.get(U32, RUN_MMIO_LEN);
        boolean write = area.get(U8, RUN_MMIO_IS_WRITE) != 0;
        if (length < 1 || length > 8) {
            return stop(Reason.UNHANDLED_EXIT, "KVM_EXIT_MMIO (6) with an invalid length " + length);
        }
        try {
            if (write) {
                mmio.write(address, length, readLittleEndian(RUN_MMIO_DATA, length));
            } else {
                writeLittleEndian(RUN_MMIO_DATA, length, mmio.read(address, length));
            }
            return null;
        } catch (RuntimeException e) {
            return stop(Reason.HANDLER_FAILED, "MmioHandler." + (write ? "write" : "read") + "(0x"
                    + Long.toHexString(address) + ", length " + length + ") on KVM_EXIT_MMIO (6) threw " + e);
        }
    }

    private long readLittleEndian(long at, int length) {
        long v = 0;
        for (int i = length - 1; i >= 0; i--) {
            v = v << 8 | (area.get(U8, at + i) & 0xffL);
        }
        return v;
    }

    private void writeLittleEndian(long at, int length, long value) {
        for (int i = 0; i < length; i++) {
            area.set(U8, at + i, (byte) (value >>> (8 * i)));
        }
    }

    private String internalError() {
        int suberror = area.get(U32, RUN_INTERNAL_SUBERROR);
        int ndata = Math.min(area.get(U32, RUN_INTERNAL_NDATA), RUN_INTERNAL_DATA_MAX);
        StringBuilder b = new StringBuilder("KVM_EXIT_INTERNAL_ERROR (17): suberror ").append(suberror).append(" (")
                .append(switch (suberror) {
                    case 1 -> "instruction emulation failed";
                    case 2 -> "exception while delivering an exception";
                    case 3 -> "event delivery failed";
                    case 4 -> "unexpected exit reason";
                    default -> "unknown";
                }).append(')');
        if (suberror == 1 && ndata >= 3 && (area.get(U64, RUN_INTERNAL_DATA) & EMULATION_FLAG_INSTRUCTION_BYTES) != 0) {
            // struct emulation_failure: u64 flags, then u8 insn_size and u8 insn_bytes[15]
            long bytes = RUN_INTERNAL_DATA + 8;
            int size = Math.min(area.get(U8, bytes) & 0xff, 15);
            b.append(", instruction bytes");
            for (int i = 0; i < size; i++) {
                b.append(' ').append(String.format("%02x", area.get(U8, bytes + 1 + i) & 0xff));
            }
        }
        b.append(", data [");
        for (int i = 0; i < ndata; i++) {
            b.append(i == 0 ? "0x" : ", 0x").append(Long.toHexString(area.get(U64, RUN_INTERNAL_DATA + 8L * i)));
        }
        return b.append(']').toString();
    }

    /** @return the stop, its message naming the vCPU, the exit and the registers */
    private VcpuStop stop(Reason reason, String exit) {
        String registers;
        try {
            registers = RegisterCodec.describe(vcpu.readRegisters(), vcpu.readSpecialRegisters());
        } catch (KvmException | RuntimeException e) {
            registers = "registers unavailable: " + e.getMessage();
        }
        return new VcpuStop(id, reason, "vCPU " + id + ": " + exit + "; " + registers);
    }

    static String exitName(int reason) {
        return switch (reason) {
            case 0 -> "KVM_EXIT_UNKNOWN";
            case 1 -> "KVM_EXIT_EXCEPTION";
            case KVM_EXIT_IO -> "KVM_EXIT_IO";
            case 3 -> "KVM_EXIT_HYPERCALL";
            case 4 -> "KVM_EXIT_DEBUG";
            case KVM_EXIT_HLT -> "KVM_EXIT_HLT";
            case KVM_EXIT_MMIO -> "KVM_EXIT_MMIO";
            case 7 -> "KVM_EXIT_IRQ_WINDOW_OPEN";
            case KVM_EXIT_SHUTDOWN -> "KVM_EXIT_SHUTDOWN";
            case KVM_EXIT_FAIL_ENTRY -> "KVM_EXIT_FAIL_ENTRY";
            case KVM_EXIT_INTR -> "KVM_EXIT_INTR";
            case 11 -> "KVM_EXIT_SET_TPR";
            case 12 -> "KVM_EXIT_TPR_ACCESS";
            case 16 -> "KVM_EXIT_NMI";
            case KVM_EXIT_INTERNAL_ERROR -> "KVM_EXIT_INTERNAL_ERROR";
            case 24 -> "KVM_EXIT_SYSTEM_EVENT";
            case 26 -> "KVM_EXIT_IOAPIC_EOI";
            case 29 -> "KVM_EXIT_X86_RDMSR";
            case 30 -> "KVM_EXIT_X86_WRMSR";
            case 33 -> "KVM_EXIT_X86_BUS_LOCK";
            case 37 -> "KVM_EXIT_NOTIFY";
            default -> "KVM exit";
        };
    }
}
