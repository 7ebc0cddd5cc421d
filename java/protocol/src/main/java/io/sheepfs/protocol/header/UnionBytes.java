package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Le;

import java.util.Arrays;

/**
 * The raw bytes of a header union, kept verbatim so that a decoded header re-encodes byte for
 * byte even where a variant leaves bytes unused. Immutable: the array is copied in and out.
 */
public record UnionBytes(byte[] bytes) {
    public UnionBytes {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The internal array, for decoders in this package only. Never modify. */
    byte[] raw() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    public boolean isZero() {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnionBytes u && Arrays.equals(bytes, u.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return Le.hex(bytes, 0, bytes.length);
    }
}
