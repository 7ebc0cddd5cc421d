package io.sheepfs.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The VDI id of a name (PROTOCOL.md 6.2) and the attribute id (6.3), both FNV-1a 64.
 * The id computed here is where sheep starts probing; the vid actually assigned is the first
 * free bit of the in-use bitmap at or after it ({@link #probe}).
 */
public final class VdiId {
    public static final long FNV1A_64_INIT = 0xcbf29ce484222325L;
    public static final long FNV_64_PRIME = 0x100000001b3L;

    private VdiId() {
    }

    /** FNV-1a 64 of {@code len} bytes, continuing from {@code hash}. */
    public static long fnv1a64(long hash, byte[] b, int off, int len) {
        long h = hash;
        for (int i = off; i < off + len; i++) {
            h ^= b[i] & 0xff;
            h *= FNV_64_PRIME;
        }
        return h;
    }

    /** FNV-1a 64 of all of {@code b} from the initial basis. */
    public static long fnv1a64(byte[] b) {
        return fnv1a64(FNV1A_64_INIT, b, 0, b.length);
    }

    /** The name hash vid: low 24 bits of FNV-1a 64 over the name's bytes (no NUL); 0 maps to 1. */
    public static int ofName(byte[] name) {
        int v = (int) (fnv1a64(name) & ObjectId.MAX_VID);
        return v == 0 ? 1 : v;
    }

    /** {@link #ofName(byte[])} of the UTF-8 bytes of {@code name}. */
    public static int ofName(String name) {
        return ofName(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Attribute id: low 32 bits of FNV-1a 64 over name[256] || tag[256] || snap_id (u32 LE) ||
     * key[256], each string field NUL-padded.
     */
    public static long attributeId(String name, String tag, long snapId, String key) {
        byte[] buf = new byte[3 * FixedString.NAME_LEN + 4];
        FixedString.write(buf, 0, FixedString.NAME_LEN, name);
        FixedString.write(buf, FixedString.NAME_LEN, FixedString.NAME_LEN, tag);
        Le.put32(buf, 2 * FixedString.NAME_LEN, ObjectId.checkU32("snap id", snapId));
        FixedString.write(buf, 2 * FixedString.NAME_LEN + 4, FixedString.NAME_LEN, key);
        return fnv1a64(buf) & 0xFFFF_FFFFL;
    }

    /**
     * Linear probing as sheep does it: the first vid at or after {@code start} for which
     * {@code inUse} is false, wrapping to 1 after 0xFFFFFF; -1 if every vid is taken.
     */
    public static int probe(int start, java.util.function.IntPredicate inUse) {
        int first = start == 0 ? 1 : ObjectId.checkVid(start);
        for (int v = first; v <= ObjectId.MAX_VID; v++) {
            if (!inUse.test(v)) {
                return v;
            }
        }
        for (int v = 1; v < first; v++) {
            if (!inUse.test(v)) {
                return v;
            }
        }
        return -1;
    }
}
