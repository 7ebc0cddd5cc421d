package io.sheepfs.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * NUL-padded fixed-size string fields (VDI name and tag 256 bytes, attribute key 256, store
 * name 16). Text is UTF-8; sheep compares raw bytes, so {@link #bytes} gives the exact C string.
 */
public final class FixedString {
    /** Size of name, tag and attribute key fields (SD_MAX_VDI_LEN etc.). */
    public static final int NAME_LEN = 256;

    private FixedString() {
    }

    /** The C string at {@code off}: bytes up to the first NUL or {@code len} bytes. */
    public static byte[] bytes(byte[] b, int off, int len) {
        int end = off;
        int max = off + len;
        while (end < max && b[end] != 0) {
            end++;
        }
        return Arrays.copyOfRange(b, off, end);
    }

    /** The C string at {@code off} decoded as UTF-8 (malformed bytes become U+FFFD). */
    public static String read(byte[] b, int off, int len) {
        return new String(bytes(b, off, len), StandardCharsets.UTF_8);
    }

    /**
     * Writes {@code s} (UTF-8) NUL-padded into {@code len} bytes at {@code off}. Rejects strings
     * that do not leave room for the terminating NUL or that contain NUL.
     */
    public static void write(byte[] b, int off, int len, String s) {
        write(b, off, len, s.getBytes(StandardCharsets.UTF_8));
    }

    /** Raw-byte variant of {@link #write(byte[], int, int, String)}. */
    public static void write(byte[] b, int off, int len, byte[] s) {
        if (s.length >= len) {
            throw new ProtocolException("string of " + s.length + " bytes does not fit a " + len + "-byte field");
        }
        for (byte c : s) {
            if (c == 0) {
                throw new ProtocolException("string contains NUL");
            }
        }
        System.arraycopy(s, 0, b, off, s.length);
        Arrays.fill(b, off + s.length, off + len, (byte) 0);
    }

    /** A fresh {@code len}-byte NUL-padded field holding {@code s}. */
    public static byte[] encode(String s, int len) {
        byte[] out = new byte[len];
        write(out, 0, len, s);
        return out;
    }
}
