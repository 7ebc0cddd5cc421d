package io.sheepfs.protocol;

/** Range checks for fixed-width unsigned fields; each returns its argument or throws ProtocolException. */
public final class Fields {
    private Fields() {
    }

    public static int u8(String what, int v) {
        return (int) ProtocolException.requireRange(what, v, 0xff);
    }

    public static int u16(String what, int v) {
        return (int) ProtocolException.requireRange(what, v, 0xffff);
    }

    public static long u32(String what, long v) {
        return ProtocolException.requireRange(what, v, 0xFFFF_FFFFL);
    }

    /** Array of exactly {@code len} bytes, defensively copied. */
    public static byte[] exact(String what, byte[] b, int len) {
        if (b == null || b.length != len) {
            throw new ProtocolException(what + " must be " + len + " bytes, got " + (b == null ? "null" : b.length));
        }
        return b.clone();
    }
}
