package io.sheepfs.protocol.format;

import io.sheepfs.protocol.NodeAddress;
import org.junit.jupiter.api.Test;

import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** strnumber, time, address and escaping rules of PROTOCOL.md 10.1 and gotcha 16. */
class DogFormatTest {
    private static final long MIB = 1L << 20;

    @Test
    void strnumberExamplesOfTheReference() {
        assertEquals("0.0 MB", DogFormat.size(0));
        assertEquals("12 MB", DogFormat.size(12 * MIB));
        assertEquals("8.0 MB", DogFormat.size(8 * MIB));
        assertEquals("1.0 GB", DogFormat.size(1L << 30));
        assertEquals("10 TB", DogFormat.size(10L << 40));
        assertEquals("512 MB", DogFormat.size(512 * MIB));
        assertEquals("1023 MB", DogFormat.size(1023 * MIB));
        assertEquals("16 EB", DogFormat.size(-1L), "2^64-1 bytes, unsigned");
        assertEquals("536870912", DogFormat.size(512 * MIB, true));
        assertEquals("18446744073709551615", DogFormat.size(-1L, true));
    }

    @Test
    void strnumberUsesCRounding() {
        // %.1f chosen while x < 10, before rounding: 9.96 MiB prints as 10.0
        assertEquals("10.0 MB", DogFormat.size((long) (9.96 * MIB)));
        // exact binary ties round to even, unlike String.format's HALF_UP
        assertEquals("12 MB", DogFormat.size(12 * MIB + MIB / 2));
        assertEquals("14 MB", DogFormat.size(13 * MIB + MIB / 2));
        assertEquals("0.2 MB", DogFormat.size(MIB / 4), "0.25 is exact: tie to even");
        assertEquals("0.4 MB", DogFormat.size(MIB * 3 / 8), "0.375 is exact: tie to even");
        assertEquals("2.5 GB", DogFormat.size(5L << 29));
        assertEquals("0.1 MB", DogFormat.size(MIB / 10 + 1));
    }

    @Test
    void printfEdgeCasesLikeGlibc() {
        assertEquals("nan", DogFormat.printfFixed(Double.NaN, 1));
        assertEquals("inf", DogFormat.printfFixed(Double.POSITIVE_INFINITY, 0));
        assertEquals("-inf", DogFormat.printfFixed(Double.NEGATIVE_INFINITY, 0));
        assertEquals("-0.0", DogFormat.printfFixed(-0.04, 1));
        assertEquals("-0.0", DogFormat.printfFixed(-0.0, 1));
        assertEquals("2", DogFormat.printfFixed(2.5, 0));
        assertEquals("4", DogFormat.printfFixed(3.5, 0));
        assertEquals("0.1", DogFormat.printfFixed(0.15, 1), "0.15 is below the tie in binary");
    }

    @Test
    void times() {
        ZoneId utc = ZoneOffset.UTC;
        long t = 1795547317L; // 2026-11-24 19:08:37 UTC
        assertEquals("2026-11-24 19:08", DogFormat.dateMinutes(t, utc));
        assertEquals("2026-11-24 19:08:37", DogFormat.dateSeconds(t, utc));
        assertEquals("Tue Nov 24 19:08:37 2026", DogFormat.ctime(t, utc));
        assertEquals("Sun Nov  1 00:00:00 2026", DogFormat.ctime(1793491200L, utc), "day padded with a space");
        assertEquals("2026-11-25 04:08", DogFormat.dateMinutes(t, ZoneId.of("Asia/Tokyo")));
        assertEquals(t, DogFormat.seconds(t << 32 | 123456789L));
    }

    @Test
    void addressesAndEscaping() {
        assertEquals("127.0.0.1:7000", DogFormat.address(NodeAddress.parse("127.0.0.1"), 7000));
        assertEquals("::1:7000", DogFormat.address(NodeAddress.parse("::1"), 7000));
        assertEquals("fe80::1:2:7000", DogFormat.address(NodeAddress.parse("fe80::1:2"), 7000));
        assertEquals("2001:db8:0:1:1:1:1:1:1", DogFormat.address(NodeAddress.parse("2001:db8:0:1:1:1:1:1"), 1));
        assertEquals("a\\ b\\\\c\\\td", DogFormat.rawEscape("a b\\c\td"));
        assertEquals("plain", DogFormat.rawEscape("plain"));
        assertEquals("2", DogFormat.copies(2, 0));
        assertEquals("4:2", DogFormat.copies(6, 0x22));
    }
}
