package io.sheepfs.protocol.vdi;

import io.sheepfs.protocol.ObjectId;
import io.sheepfs.protocol.ProtocolException;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * A READ_VDIS / READ_DEL_VDIS bitmap (PROTOCOL.md 7.8): 2^24 bits, 2,097,152 bytes; vid n is
 * bit (n & 7), LSB first, of byte n >> 3. Immutable (holds its own copy).
 */
public record VdiBitmap(byte[] bytes) {
    public static final int SIZE = ObjectId.NR_VDIS / 8;

    public VdiBitmap {
        if (bytes.length != SIZE) {
            throw new ProtocolException("VDI bitmap must be " + SIZE + " bytes, got " + bytes.length);
        }
        bytes = bytes.clone();
    }

    public static VdiBitmap decode(byte[] b) {
        return new VdiBitmap(b);
    }

    public static VdiBitmap empty() {
        return new VdiBitmap(new byte[SIZE]);
    }

    /** A bitmap with exactly these vids set. */
    public static VdiBitmap of(int... vids) {
        byte[] b = new byte[SIZE];
        for (int v : vids) {
            int vid = (int) ProtocolException.requireRange("vid", v, ObjectId.MAX_VID);
            b[vid >>> 3] |= (byte) (1 << (vid & 7));
        }
        return new VdiBitmap(b);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public byte[] encode() {
        return bytes.clone();
    }

    public boolean isSet(int vid) {
        ProtocolException.requireRange("vid", vid, ObjectId.MAX_VID);
        return (bytes[vid >>> 3] & (1 << (vid & 7))) != 0;
    }

    /** The first set vid at or after {@code from}, or -1. */
    public int nextSet(int from) {
        for (int v = Math.max(0, from); v <= ObjectId.MAX_VID; ) {
            if ((v & 7) == 0 && bytes[v >>> 3] == 0) {
                v += 8;
                continue;
            }
            if (isSet(v)) {
                return v;
            }
            v++;
        }
        return -1;
    }

    /** Set vids in ascending order. */
    public IntStream vids() {
        return IntStream.iterate(nextSet(0), v -> v >= 0, v -> v == ObjectId.MAX_VID ? -1 : nextSet(v + 1));
    }

    public int count() {
        int n = 0;
        for (byte b : bytes) {
            n += Integer.bitCount(b & 0xff);
        }
        return n;
    }

    /** A copy with {@code vid} set or cleared. */
    public VdiBitmap with(int vid, boolean set) {
        ProtocolException.requireRange("vid", vid, ObjectId.MAX_VID);
        byte[] b = bytes.clone();
        if (set) {
            b[vid >>> 3] |= (byte) (1 << (vid & 7));
        } else {
            b[vid >>> 3] &= (byte) ~(1 << (vid & 7));
        }
        return new VdiBitmap(b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VdiBitmap v && Arrays.equals(bytes, v.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "VdiBitmap[" + count() + " set]";
    }
}
