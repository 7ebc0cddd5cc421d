package io.sheepfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sheepfs.nativeio.FuseSession;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class SizeConverterTest {
    private final SizeConverter c = new SizeConverter();

    @Test
    void unitsArePowersOf1024() {
        assertEquals(0, c.convert("0"));
        assertEquals(4096, c.convert("4096"));
        assertEquals(128 << 10, c.convert("128K"));
        assertEquals(128 << 10, c.convert("128k"));
        assertEquals(1 << 20, c.convert("1M"));
        assertEquals(1 << 30, c.convert("1G"));
    }

    @Test
    void nonsenseAndHugeValuesAreRefused() {
        for (String bad : new String[] {"", "K", "-1", "1.5M", "12Q", "2G", "9999999999G", "1M1", " "}) {
            assertThrows(TypeConversionException.class, () -> c.convert(bad), bad);
        }
    }

    /** Any input either converts to a size in [0, 1G] or is refused: never a negative or wrapped number. */
    @Property
    void neverWrapsAround(@ForAll String s) {
        try {
            int n = c.convert(s);
            assertEquals(true, n >= 0 && n <= (1 << 30), s + " -> " + n);
        } catch (TypeConversionException expected) {
            // refused with a message
        }
    }

    @Property
    void numbersWithSuffixesScale(@ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 1024) int n) {
        assertEquals(n << 10, c.convert(n + "K"));
        assertEquals(n << 20, c.convert(n + "M"));
    }

    /** --piece-size: "auto" (any case) is the tuned default; anything else reads as a size. */
    @Test
    void pieceSizeIsAutoOrASize() {
        PieceSizeConverter p = new PieceSizeConverter();
        assertEquals(FuseSession.Options.AUTO_PIECE, p.convert("auto"));
        assertEquals(FuseSession.Options.AUTO_PIECE, p.convert(" AUTO "));
        assertEquals(0, p.convert("0"));
        assertEquals(128 << 10, p.convert("128K"));
        TypeConversionException bad = assertThrows(TypeConversionException.class, () -> p.convert("automatic"));
        assertEquals("takes auto, 0 or a size: 'automatic' is not a size (e.g. 4096, 128K, 1M)", bad.getMessage());
        assertThrows(TypeConversionException.class, () -> p.convert("-1"));
    }
}
