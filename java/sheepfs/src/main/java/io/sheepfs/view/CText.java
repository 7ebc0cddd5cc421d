package io.sheepfs.view;

import java.nio.charset.StandardCharsets;

/**
 * Field padding as C's printf does it: widths count bytes, not characters, so a name with
 * multi-byte UTF-8 characters lines up exactly as dog prints it.
 */
final class CText {
    private CText() {
    }

    /** "%-Ns". */
    static String left(String s, int width) {
        int pad = width - s.getBytes(StandardCharsets.UTF_8).length;
        return pad <= 0 ? s : s + " ".repeat(pad);
    }

    /** "%Ns". */
    static String right(String s, int width) {
        int pad = width - s.getBytes(StandardCharsets.UTF_8).length;
        return pad <= 0 ? s : " ".repeat(pad) + s;
    }
}
