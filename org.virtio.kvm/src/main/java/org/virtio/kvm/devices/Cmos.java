package org.virtio.kvm.devices;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * The CMOS RAM and MC146818 real-time clock at ports 0x70 (index, write-only; bit 7 is the NMI mask
 * and not part of the index) and 0x71 (data): 128 bytes, of which 0x00-0x09 and 0x32 read the time from
 * a {@link Clock} (seconds, minutes, hours, day of week, day of month, month, year, century), 0x0A-0x0D
 * are status registers A-D, and the rest is plain RAM.
 *
 * <p>Status B selects the format, as the guest sets it: BCD unless its bit 2 is set (binary), 24-hour
 * unless its bit 1 is clear (12-hour, bit 7 of the hour marks PM). The default is 0x02: BCD, 24-hour.
 * Status A reads 0x26 (32.768 kHz, 1024 Hz rate) and its update-in-progress bit is always clear: the
 * time is computed at each read, never mid-update. Writing a time register moves the clock by an
 * offset so that field reads as written; values the calendar rejects are ignored. Status C reads 0
 * (no alarm, periodic or update interrupt: the RTC raises no IRQ 8). Status D reads 0x80 (valid RAM).
 */
public final class Cmos extends BytePorts {
    /** The index port. */
    public static final int INDEX_PORT = 0x70;
    /** The data port. */
    public static final int DATA_PORT = 0x71;
    /** The size of the CMOS RAM, and the register index range. */
    public static final int SIZE = 128;

    static final int SECONDS = 0x00;
    static final int MINUTES = 0x02;
    static final int HOURS = 0x04;
    static final int DAY_OF_WEEK = 0x06;
    static final int DAY_OF_MONTH = 0x07;
    static final int MONTH = 0x08;
    static final int YEAR = 0x09;
    static final int STATUS_A = 0x0a;
    static final int STATUS_B = 0x0b;
    static final int STATUS_C = 0x0c;
    static final int STATUS_D = 0x0d;
    static final int CENTURY = 0x32;

    static final int STATUS_A_DEFAULT = 0x26;
    static final int STATUS_B_24H = 0x02;
    static final int STATUS_B_BINARY = 0x04;
    static final int STATUS_D_VALID = 0x80;
    static final int NMI_DISABLE = 0x80;

    private final Clock clock;
    private final byte[] ram = new byte[SIZE];

    // Guarded by this.
    private int index;
    private boolean nmiDisabled;
    private Duration offset = Duration.ZERO;

    /** @param clock the host clock the RTC reads (its zone is the RTC's: pass a UTC clock for Linux) */
    public Cmos(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        ram[STATUS_A] = STATUS_A_DEFAULT;
        ram[STATUS_B] = STATUS_B_24H;
        ram[STATUS_D] = (byte) STATUS_D_VALID;
    }

    /**
     * Registers ports 0x70 and 0x71 on a bus.
     *
     * @param bus the bus
     * @return this CMOS
     */
    public Cmos attach(PortIoBus bus) {
        bus.register(INDEX_PORT, 2, this);
        return this;
    }

    /** @return the selected register, 0..127 */
    public synchronized int index() {
        return index;
    }

    /** @return whether the guest's last index write set the NMI-disable bit */
    public synchronized boolean nmiDisabled() {
        return nmiDisabled;
    }

    /**
     * Reads a byte of CMOS RAM directly (the time registers as stored, not the clock).
     *
     * @param address 0..127
     * @return the byte
     */
    public synchronized int ram(int address) {
        return ram[Objects.checkIndex(address, SIZE)] & 0xff;
    }

    /**
     * Sets a byte of CMOS RAM, for the VMM to describe the machine (for example memory size bytes).
     *
     * @param address 0..127, not a time or status register
     * @param value   the byte
     */
    public synchronized void setRam(int address, int value) {
        if (address <= STATUS_D || address == CENTURY) {
            throw new IllegalArgumentException("CMOS 0x" + Integer.toHexString(address) + " is an RTC register");
        }
        ram[Objects.checkIndex(address, SIZE)] = (byte) value;
    }

    @Override
    synchronized int readByte(int port) {
        if (port != DATA_PORT) {
            return 0xff; // the index port is write-only
        }
        return switch (index) {
            case SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY -> readTime(index);
            case STATUS_A -> STATUS_A_DEFAULT; // update-in-progress (bit 7) never set
            case STATUS_C -> 0;
            case STATUS_D -> STATUS_D_VALID;
            default -> ram[index] & 0xff;
        };
    }

    @Override
    synchronized void writeByte(int port, int value) {
        if (port == INDEX_PORT) {
            index = value & 0x7f;
            nmiDisabled = (value & NMI_DISABLE) != 0;
            return;
        }
        if (port != DATA_PORT) {
            return;
        }
        switch (index) {
            case SECONDS, MINUTES, HOURS, DAY_OF_MONTH, MONTH, YEAR, CENTURY -> writeTime(index, value);
            case DAY_OF_WEEK, STATUS_C, STATUS_D -> {
                // Computed or read-only.
            }
            case STATUS_A -> ram[STATUS_A] = (byte) (value & 0x7f);
            default -> ram[index] = (byte) value;
        }
    }

    private LocalDateTime now() {
        return LocalDateTime.ofInstant(clock.instant().plus(offset), clock.getZone());
    }

    private int readTime(int register) {
        LocalDateTime t = now();
        return switch (register) {
            case SECONDS -> encode(t.getSecond());
            case MINUTES -> encode(t.getMinute());
            case HOURS -> encodeHour(t.getHour());
            case DAY_OF_WEEK -> encode(t.getDayOfWeek().getValue() % 7 + 1); // 1 = Sunday
            case DAY_OF_MONTH -> encode(t.getDayOfMonth());
            case MONTH -> encode(t.getMonthValue());
            case YEAR -> encode(t.getYear() % 100);
            default -> encode(t.getYear() / 100 % 100); // CENTURY
        };
    }

    private void writeTime(int register, int value) {
        int hourPm = register == HOURS && !is24Hour() ? value & 0x80 : 0;
        int v = decode(register == HOURS && !is24Hour() ? value & 0x7f : value);
        if (v < 0) {
            return;
        }
        LocalDateTime t = now();
        LocalDateTime set;
        try {
            set = switch (register) {
                case SECONDS -> t.withSecond(v);
                case MINUTES -> t.withMinute(v);
                case HOURS -> t.withHour(is24Hour() ? v : hour24(v, hourPm != 0));
                case DAY_OF_MONTH -> t.withDayOfMonth(v);
                case MONTH -> t.withMonth(v);
                case YEAR -> v > 99 ? null : t.withYear(t.getYear() / 100 * 100 + v);
                default -> v > 99 ? null : t.withYear(v * 100 + t.getYear() % 100); // CENTURY
            };
        } catch (DateTimeException e) {
            return; // not a valid date or time: ignored, not repaired
        }
        if (set != null) {
            ZoneOffset zone = clock.getZone().getRules().getOffset(t);
            offset = offset.plus(Duration.between(t.toInstant(zone), set.toInstant(zone)));
        }
    }

    private boolean is24Hour() {
        return (ram[STATUS_B] & STATUS_B_24H) != 0;
    }

    private boolean isBinary() {
        return (ram[STATUS_B] & STATUS_B_BINARY) != 0;
    }

    private int encode(int value) {
        return isBinary() ? value : (value / 10) << 4 | value % 10;
    }

    private int encodeHour(int hour) {
        if (is24Hour()) {
            return encode(hour);
        }
        int h12 = hour % 12 == 0 ? 12 : hour % 12;
        return encode(h12) | (hour >= 12 ? 0x80 : 0);
    }

    /** @return the value in the current format, or -1 when it is not valid BCD */
    private int decode(int value) {
        if (isBinary()) {
            return value;
        }
        int hi = value >>> 4;
        int lo = value & 0xf;
        return hi > 9 || lo > 9 ? -1 : hi * 10 + lo;
    }

    /** @return -1 (rejected by withHour) for an hour outside 1..12 */
    private static int hour24(int h12, boolean pm) {
        if (h12 < 1 || h12 > 12) {
            return -1;
        }
        return h12 % 12 + (pm ? 12 : 0);
    }

    @Override
    public String toString() {
        return "CMOS/RTC at 0x70/0x71";
    }
}
