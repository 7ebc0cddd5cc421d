package io.sheepfs.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Little-endian field access on byte arrays, the byte order of every Sheepdog integer.
 * Unsigned 8/16 bit fields come back as int, u32 as long (or {@link #i32} for raw bits), u64 as
 * long (raw bits). Bounds are checked by the JVM (ArrayIndexOutOfBoundsException): callers check
 * lengths first with {@link ProtocolException#requireLength}.
 */
public final class Le {
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Le() {
    }

    public static int u8(byte[] b, int off) {
        return b[off] & 0xff;
    }

    public static int u16(byte[] b, int off) {
        return ((short) I16.get(b, off)) & 0xffff;
    }

    public static int i32(byte[] b, int off) {
        return (int) I32.get(b, off);
    }

    public static long u32(byte[] b, int off) {
        return Integer.toUnsignedLong((int) I32.get(b, off));
    }

    public static long u64(byte[] b, int off) {
        return (long) I64.get(b, off);
    }

    public static void put8(byte[] b, int off, int v) {
        b[off] = (byte) v;
    }

    public static void put16(byte[] b, int off, int v) {
        I16.set(b, off, (short) v);
    }

    public static void put32(byte[] b, int off, long v) {
        I32.set(b, off, (int) v);
    }

    public static void put64(byte[] b, int off, long v) {
        I64.set(b, off, v);
    }

    /** Lower-case hex of a byte range, no separators. */
    public static String hex(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder(len * 2);
        for (int i = off; i < off + len; i++) {
            sb.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return sb.toString();
    }

    /** Parses lower- or upper-case hex (even length) into bytes. */
    public static byte[] unhex(String s) {
        if ((s.length() & 1) != 0) {
            throw new ProtocolException("odd hex length " + s.length());
        }
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(s.charAt(2 * i), 16);
            int lo = Character.digit(s.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new ProtocolException("bad hex digit near offset " + 2 * i);
            }
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }
}
