package io.sheepfs.fs;

import java.math.BigDecimal;

/**
 * dog's size syntax: a decimal number, optionally with a fraction, and an optional one-letter
 * binary suffix (k/K, m/M, g/G, t/T, p/P; b or none = bytes). "10G" = 10 GiB, "1.5T", "512M".
 */
final class SizeSyntax {
    private SizeSyntax() {
    }

    static long parse(String text) throws FsException {
        if (text.isEmpty()) {
            throw new FsException(Errno.EINVAL, "missing size");
        }
        char last = text.charAt(text.length() - 1);
        int shift;
        String number = text.substring(0, text.length() - 1);
        switch (last) {
            case 'k', 'K' -> shift = 10;
            case 'm', 'M' -> shift = 20;
            case 'g', 'G' -> shift = 30;
            case 't', 'T' -> shift = 40;
            case 'p', 'P' -> shift = 50;
            case 'b', 'B' -> shift = 0;
            default -> {
                shift = 0;
                number = text;
            }
        }
        if (!number.matches("[0-9]{1,20}(\\.[0-9]{1,20})?")) {
            throw new FsException(Errno.EINVAL, "bad size " + CommandText.printable(text));
        }
        BigDecimal bytes = new BigDecimal(number).multiply(BigDecimal.valueOf(2).pow(shift));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new FsException(Errno.EFBIG, "size " + text + " is too large");
        }
        return bytes.longValue();
    }
}
