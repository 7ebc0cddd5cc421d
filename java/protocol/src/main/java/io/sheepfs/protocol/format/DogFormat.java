package io.sheepfs.protocol.format;

import io.sheepfs.protocol.NodeAddress;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * The number, time, address and name formatting dog 1.0 uses in its printed output
 * (PROTOCOL.md 10.1), reproduced exactly, including C printf rounding.
 */
public final class DogFormat {
    private static final String[] UNITS = {"MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm", Locale.ROOT);
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT);

    private DogFormat() {
    }

    /**
     * dog's strnumber: bytes / 2^20 as a double, divided by 1024 while >= 1024 (up to YB), then
     * "%.0f UNIT" if >= 10 else "%.1f UNIT". Sizes are unsigned 64-bit.
     */
    public static String size(long bytes) {
        double x = unsignedToDouble(bytes) / (1024 * 1024);
        int i = 0;
        while (i < UNITS.length - 1 && x >= 1024) {
            i++;
            x /= 1024;
        }
        return printfFixed(x, x >= 10 ? 0 : 1) + " " + UNITS[i];
    }

    /** {@link #size(long)}, or the decimal byte count in raw mode (-r). */
    public static String size(long bytes, boolean raw) {
        return raw ? Long.toUnsignedString(bytes) : size(bytes);
    }

    /** C's (double) conversion of a uint64_t (round to nearest). */
    static double unsignedToDouble(long v) {
        if (v >= 0) {
            return v;
        }
        return new BigDecimal(Long.toUnsignedString(v)).doubleValue();
    }

    /**
     * printf("%.Nf") as glibc does it: the exact binary value rounded to N decimals, ties to
     * even; the sign of negative values (and -0.0) is kept even when they round to zero;
     * "nan", "inf", "-inf" for non-finite values.
     */
    public static String printfFixed(double x, int decimals) {
        if (Double.isNaN(x)) {
            return Double.doubleToRawLongBits(x) < 0 ? "-nan" : "nan";
        }
        if (Double.isInfinite(x)) {
            return x < 0 ? "-inf" : "inf";
        }
        String s = new BigDecimal(x).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
        boolean negative = Double.doubleToRawLongBits(x) < 0;
        return negative && !s.startsWith("-") ? "-" + s : s;
    }

    /** Seconds part of sheep's (sec << 32) | nsec time encoding. */
    public static long seconds(long sheepTime) {
        return sheepTime >>> 32;
    }

    /** "%Y-%m-%d %H:%M" of epoch seconds in {@code zone} (vdi list, vdi tree). */
    public static String dateMinutes(long epochSeconds, ZoneId zone) {
        return MINUTES.format(zoned(epochSeconds, zone));
    }

    /** "%Y-%m-%d %H:%M:%S" of epoch seconds in {@code zone} (cluster info epoch rows). */
    public static String dateSeconds(long epochSeconds, ZoneId zone) {
        return SECONDS.format(zoned(epochSeconds, zone));
    }

    /**
     * C ctime() without its trailing newline: "Tue Nov 24 19:08:37 2026" (day of month padded
     * with a space to two characters).
     */
    public static String ctime(long epochSeconds, ZoneId zone) {
        ZonedDateTime t = zoned(epochSeconds, zone);
        return String.format(Locale.ROOT, "%s %s %2d %02d:%02d:%02d %d",
            t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ROOT),
            t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ROOT), t.getDayOfMonth(), t.getHour(),
            t.getMinute(), t.getSecond(), t.getYear());
    }

    private static ZonedDateTime zoned(long epochSeconds, ZoneId zone) {
        return Instant.ofEpochSecond(epochSeconds).atZone(zone);
    }

    /** dog's addr_to_str: "a.b.c.d:port" (IPv6: textual address + ":port", no brackets); port 0 is omitted. */
    public static String address(NodeAddress addr, int port) {
        return port == 0 ? addr.toString() : addr + ":" + port;
    }

    /** Raw-mode (-r) name escaping: whitespace (C isspace) and backslash get a backslash prefix. */
    public static String rawEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** The Copies column: "N" for replication, "D:P" for erasure code ((data/2)<<4 | parity). */
    public static String copies(int nrCopies, int copyPolicy) {
        if (copyPolicy == 0) {
            return Integer.toString(nrCopies);
        }
        int data = (copyPolicy >> 4) * 2;
        int parity = copyPolicy & 0x0f;
        return data + ":" + parity;
    }
}
