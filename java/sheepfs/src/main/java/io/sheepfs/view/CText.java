package io.sheepfs.view;

import java.nio.charset.StandardCharsets;

/**
 * Field padding as C's printf does it: widths count bytes, not characters, so a name with
 * multi-byte UTF-8 characters lines up exactly as dog prints it.
 */
final class CText {
    private CText() {
    }

    /** UTF-8 length of {@code s}, without encoding it when it is ASCII. */
    static int byteLength(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return s.length();
    }

    /** "%-Ns". */
    static String left(String s, int width) {
        int pad = width - byteLength(s);
        return pad <= 0 ? s : s + " ".repeat(pad);
    }

    /** "%Ns". */
    static String right(String s, int width) {
        int pad = width - byteLength(s);
        return pad <= 0 ? s : " ".repeat(pad) + s;
    }
}
