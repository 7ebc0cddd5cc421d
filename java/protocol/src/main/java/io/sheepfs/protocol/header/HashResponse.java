package io.sheepfs.protocol.header;

import io.sheepfs.protocol.Fields;
import io.sheepfs.protocol.Le;

import java.util.Arrays;

/** GET_HASH response. Header offsets: 24 digest[20] (SHA-1). */
public record HashResponse(byte[] digest) implements ResponseUnion {
    public static final int DIGEST_LEN = 20;

    public HashResponse {
        digest = Fields.exact("digest", digest, DIGEST_LEN);
    }

    @Override
    public byte[] digest() {
        return digest.clone();
    }

    public static HashResponse decode(byte[] r) {
        return new HashResponse(Arrays.copyOfRange(r, 4, 4 + DIGEST_LEN));
    }

    @Override
    public void encodeTo(byte[] r) {
        System.arraycopy(digest, 0, r, 4, DIGEST_LEN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HashResponse h && Arrays.equals(digest, h.digest);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest);
    }

    @Override
    public String toString() {
        return "HashResponse[" + Le.hex(digest, 0, DIGEST_LEN) + "]";
    }
}
