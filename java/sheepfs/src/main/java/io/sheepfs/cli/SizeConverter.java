package io.sheepfs.cli;

import java.util.Locale;
import picocli.CommandLine;

/** A byte count as users write it: 4096, 128K, 1M (powers of 1024); at most 1G. */
final class SizeConverter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        int shift = 0;
        if (v.endsWith("K")) {
            shift = 10;
        } else if (v.endsWith("M")) {
            shift = 20;
        } else if (v.endsWith("G")) {
            shift = 30;
        }
        String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
        if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(Character::isDigit)) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size (e.g. 4096, 128K, 1M)");
        }
        long n = Long.parseLong(digits); // at most 10 digits: no overflow
        if (n > (1L << 30) >> shift) {
            throw new CommandLine.TypeConversionException("'" + value + "' is larger than 1G");
        }
        return (int) (n << shift);
    }
}
